/// Room for up to `capacity` vectors of `width` values in Q8_0, quantized one by
/// one: the Q8_0 form of a `VectorBatch` (a prompt's positions in one pass).
public struct QuantizedBatch {
    /// Every vector's values back to back (`QuantizedVector.values`).
    public let values: UnsafeMutablePointer<Int8>
    /// The same, sign-extended (`QuantizedVector.wideValues`).
    public let wideValues: UnsafeMutablePointer<Int16>
    /// Every vector's group scales back to back.
    public let scales: UnsafeMutablePointer<Float>
    /// Values per vector.
    public let width: Int
    /// Vectors there is room for.
    public let capacity: Int
    /// Consecutive values sharing one scale.
    public let groupSize: Int

    /// Allocates room for `capacity` vectors of `width` values (a multiple of `groupSize`); the owner frees it.
    public static func allocate(width: Int, capacity: Int, groupSize: Int) -> QuantizedBatch {
        QuantizedBatch(values: .allocate(capacity: width * capacity),
                       wideValues: .allocate(capacity: width * capacity),
                       scales: .allocate(capacity: max(1, width / groupSize * capacity)),
                       width: width, capacity: capacity, groupSize: groupSize)
    }

    /// Frees what `allocate` made.
    public func deallocate() {
        values.deallocate()
        wideValues.deallocate()
        scales.deallocate()
    }

    /// Vector `index` of the batch.
    public subscript(_ index: Int) -> QuantizedVector {
        QuantizedVector(values: values + index * width, wideValues: wideValues + index * width,
                        scales: scales + index * (width / groupSize), capacity: width, groupSize: groupSize)
    }
}
