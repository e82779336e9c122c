import LlamaKernels

/// The weights of an fp32 checkpoint with every matrix converted to fp16
/// (`WeightMode.float16`), in one allocation this object owns; the norms stay
/// fp32 in the mapping. The fp32 pages each matrix was read from are dropped as
/// soon as it is converted, so the process never holds both copies.
final class HalfWeights {
    /// The checkpoint's weights, pointing at the fp16 copies.
    let weights: TransformerWeights
    private let buffer: UnsafeMutablePointer<UInt16>

    init(converting checkpoint: Checkpoint) {
        let source = checkpoint.weights
        var matrices = [source.tokenEmbedding]
        for list in [source.wq, source.wk, source.wv, source.wo, source.w1, source.w2, source.w3] {
            matrices.append(contentsOf: list)
        }
        if !checkpoint.sharedClassifier { matrices.append(source.classifier) }
        let total = matrices.reduce(0) { $0 + $1.rows * $1.cols }
        let buffer = UnsafeMutablePointer<UInt16>.allocate(capacity: total)
        var offset = 0
        func convert(_ matrix: WeightMatrix) -> WeightMatrix {
            guard case .float32(let floats) = matrix.storage else { return matrix }
            let count = matrix.rows * matrix.cols
            HalfKernels.convert(floats, to: buffer + offset, count: count)
            checkpoint.file.release(UnsafeRawPointer(floats), byteCount: 4 * count)
            defer { offset += count }
            return WeightMatrix(rows: matrix.rows, cols: matrix.cols, storage: .float16(buffer + offset))
        }
        var weights = source
        weights.tokenEmbedding = convert(source.tokenEmbedding)
        weights.wq = source.wq.map(convert)
        weights.wk = source.wk.map(convert)
        weights.wv = source.wv.map(convert)
        weights.wo = source.wo.map(convert)
        weights.w1 = source.w1.map(convert)
        weights.w2 = source.w2.map(convert)
        weights.w3 = source.w3.map(convert)
        weights.classifier = checkpoint.sharedClassifier ? weights.tokenEmbedding : convert(source.classifier)
        self.weights = weights
        self.buffer = buffer
    }

    deinit {
        buffer.deallocate()
    }
}
