/// The key/value cache of one sequence (run.c keeps it in `RunState`): every layer's
/// keys and values for `capacity` positions. A transformer serves any number of
/// sequences, each with its own cache, alone or batched; a cache is sized for what
/// its sequence will use, not for the model's whole context.
public final class SequenceCache {
    /// Positions it holds: 0..<capacity.
    public let capacity: Int
    /// Keys, transposed so attention reads positions contiguously:
    /// `[layer][kvHead][headSize][capacity]`.
    let keys: UnsafeMutablePointer<Float>
    /// Values: `[layer][capacity][kvDim]`.
    let values: UnsafeMutablePointer<Float>

    /// A cache for positions `0..<capacity` of a model of `config` (1...seqLen positions).
    /// Fails with `.outOfMemory` when the allocation is refused.
    public init(config: ModelConfig, capacity: Int) throws(LlamaError) {
        precondition(capacity >= 1 && capacity <= config.seqLen, "capacity out of range")
        let count = config.layerCount * capacity * config.kvDim
        let keys = Allocation.floats(count), values = Allocation.floats(count)
        guard let keys, let values else {
            if let keys { Allocation.free(keys) }
            if let values { Allocation.free(values) }
            throw .outOfMemory(bytes: SequenceCache.bytes(config, capacity: capacity),
                               what: "a \(capacity)-position key/value cache")
        }
        self.capacity = capacity
        self.keys = keys
        self.values = values
    }

    deinit {
        Allocation.free(keys)
        Allocation.free(values)
    }

    /// Bytes a cache of `capacity` positions takes for a model of `config`.
    public static func bytes(_ config: ModelConfig, capacity: Int) -> Int {
        2 * config.layerCount * capacity * config.kvDim * MemoryLayout<Float>.size
    }
}
