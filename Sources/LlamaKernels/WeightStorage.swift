/// How the numbers of one weight matrix are stored: the matmul dispatch
/// (`Matmul`) picks its kernel by this.
public enum WeightStorage {
    /// Plain fp32, row-major (llama2.c v0 files, read in place from the mapping).
    case float32(UnsafePointer<Float>)
    /// Q8_0: int8 values with one fp32 scale per `groupSize` consecutive values (v2 files).
    case q8(values: UnsafePointer<Int8>, scales: UnsafePointer<Float>, groupSize: Int)
    /// IEEE half-precision bits, row-major (fp32 weights converted once at load).
    case float16(UnsafePointer<UInt16>)
}
