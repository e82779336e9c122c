/// A batch of row vectors laid out back to back: vector `b` starts at `base + b * stride`.
/// The kernels take batches so a prompt's positions share each read of the weights.
public struct VectorBatch {
    /// The first vector.
    public var base: UnsafeMutablePointer<Float>
    /// Floats from one vector's start to the next's.
    public var stride: Int
    /// How many vectors (positions) the batch holds.
    public var count: Int

    // Inlinable: the forward pass (another module) indexes batches in its loops.
    @inlinable
    public init(base: UnsafeMutablePointer<Float>, stride: Int, count: Int) {
        self.base = base
        self.stride = stride
        self.count = count
    }

    /// Vector `index` of the batch.
    @inlinable @inline(__always)
    public subscript(_ index: Int) -> UnsafeMutablePointer<Float> { base + index * stride }
}
