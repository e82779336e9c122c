/// A vector quantized to Q8_0 (runq.c's `QuantizedTensor`): int8 values and one
/// fp32 scale per group. Matmul inputs over Q8_0 weights are quantized once into
/// one, and every matmul reading that input shares it.
public struct QuantizedVector {
    /// The quantized values, `round(x / scale)` in -127...127.
    public let values: UnsafeMutablePointer<Int8>
    /// The same values sign-extended to 16 bits, made once per vector so the
    /// matmul widens only the weights.
    public let wideValues: UnsafeMutablePointer<Int16>
    /// One scale per group: `max|x| / 127` of the group's floats.
    public let scales: UnsafeMutablePointer<Float>
    /// How many values there is room for.
    public let capacity: Int
    /// Consecutive values sharing one scale (the checkpoint's group size).
    public let groupSize: Int

    /// Allocates room for `capacity` values (a multiple of `groupSize`); the owner frees it.
    public static func allocate(capacity: Int, groupSize: Int) -> QuantizedVector {
        QuantizedVector(values: .allocate(capacity: capacity), wideValues: .allocate(capacity: capacity),
                        scales: .allocate(capacity: max(1, capacity / groupSize)),
                        capacity: capacity, groupSize: groupSize)
    }

    /// Frees what `allocate` made (not for vectors of a `QuantizedBatch`).
    public func deallocate() {
        values.deallocate()
        wideValues.deallocate()
        scales.deallocate()
    }
}
