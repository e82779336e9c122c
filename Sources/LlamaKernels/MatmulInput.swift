/// The input of a matmul: a batch of fp32 vectors and, for Q8_0 weights, the same
/// vectors quantized (runq.c quantizes before each matmul). Made once and shared by
/// every matmul that reads the same activations (q, k and v; W1 and W3).
public struct MatmulInput {
    /// The activations in fp32 (what fp32 and fp16 weights multiply).
    public var floats: VectorBatch
    /// Their Q8_0 form, for Q8_0 weights; nil otherwise.
    public var quantized: QuantizedBatch?

    /// `floats` as a matmul input, quantized into `buffer` when one is given (the
    /// run state has one exactly when the weights are Q8_0).
    public init(_ floats: VectorBatch, quantizingInto buffer: QuantizedBatch?) {
        if let buffer {
            for b in 0..<floats.count {
                QuantizedKernels.quantize(floats[b], count: buffer.width, into: buffer[b])
            }
        }
        self.floats = floats
        self.quantized = buffer
    }
}
