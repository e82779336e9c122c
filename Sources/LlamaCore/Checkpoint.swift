import LlamaKernels

/// A llama2.c checkpoint, memory-mapped and parsed: its shape and pointers to
/// every weight inside the mapping. Nothing is copied.
public final class Checkpoint {
    public let file: MappedFile
    public let config: ModelConfig
    public let format: CheckpointFormat
    /// True when the classifier is the token embedding table.
    public let sharedClassifier: Bool
    public let weights: TransformerWeights
    /// Scales re-laid per row for Q8_0 matrices whose rows straddle the file's groups.
    private let ownedScales: [UnsafeMutablePointer<Float>]

    /// The path the checkpoint was read from.
    public var path: String { file.path }

    /// v2 files start with "ak42" as a little-endian uint32.
    static let v2Magic: UInt32 = 0x616B_3432
    static let v2HeaderBytes = 256

    public init(path: String) throws(LlamaError) {
        let file = try MappedFile(path: path)
        self.file = file
        if file.size >= 4
            && UInt32(littleEndian: file.base.loadUnaligned(as: UInt32.self)) == Checkpoint.v2Magic {
            let parsed = try Checkpoint.parseVersion2(file)
            (config, format, sharedClassifier, weights, ownedScales) = parsed
        } else {
            let parsed = try Checkpoint.parseVersion0(file)
            (config, format, sharedClassifier, weights) = parsed
            ownedScales = []
        }
    }

    deinit {
        for scales in ownedScales { scales.deallocate() }
    }

    private typealias Parsed = (ModelConfig, CheckpointFormat, Bool, TransformerWeights)

    /// Reads the 7 int32 header fields in run.c's order.
    private static func readConfig(_ file: MappedFile, at offset: Int) -> ModelConfig {
        ModelConfig(dim: file.int32(at: offset), hiddenDim: file.int32(at: offset + 4),
                    layerCount: file.int32(at: offset + 8), headCount: file.int32(at: offset + 12),
                    kvHeadCount: file.int32(at: offset + 16), vocabSize: file.int32(at: offset + 20),
                    seqLen: file.int32(at: offset + 24))
    }

    private static func parseVersion0(_ file: MappedFile) throws(LlamaError) -> Parsed {
        let headerBytes = 28
        if file.size < headerBytes {
            throw .truncated(path: file.path, expectedBytes: headerBytes, actualBytes: file.size)
        }
        var config = readConfig(file, at: 0)
        // A negative vocabulary size marks an unshared classifier (run.c's convention).
        let shared = config.vocabSize > 0
        config.vocabSize = abs(config.vocabSize)
        if let problem = config.problem() { throw .invalidCheckpoint(path: file.path, reason: problem) }

        let dim = config.dim, hidden = config.hiddenDim, layers = config.layerCount
        let kvDim = config.kvDim
        var floatCount = config.vocabSize * dim + 2 * layers * dim + dim
        floatCount += layers * (2 * dim * dim + 2 * dim * kvDim + 3 * dim * hidden)
        floatCount += config.seqLen * config.headSize  // the unused RoPE tables
        if !shared { floatCount += config.vocabSize * dim }
        let expected = headerBytes + 4 * floatCount
        if file.size < expected {
            throw .truncated(path: file.path, expectedBytes: expected, actualBytes: file.size)
        }

        var cursor = (file.base + headerBytes).assumingMemoryBound(to: Float.self)
        func take(_ count: Int) -> UnsafePointer<Float> {
            defer { cursor += count }
            return cursor
        }
        func matrices(rows: Int, cols: Int) -> [WeightMatrix] {
            (0..<layers).map { _ in WeightMatrix(rows: rows, cols: cols, storage: .float32(take(rows * cols))) }
        }
        let embedding = WeightMatrix(rows: config.vocabSize, cols: dim,
                                     storage: .float32(take(config.vocabSize * dim)))
        let rmsAttention = take(layers * dim)
        let wq = matrices(rows: dim, cols: dim)
        let wk = matrices(rows: kvDim, cols: dim)
        let wv = matrices(rows: kvDim, cols: dim)
        let wo = matrices(rows: dim, cols: dim)
        let rmsFeedForward = take(layers * dim)
        let w1 = matrices(rows: hidden, cols: dim)
        let w2 = matrices(rows: dim, cols: hidden)
        let w3 = matrices(rows: hidden, cols: dim)
        let rmsFinal = take(dim)
        _ = take(config.seqLen * config.headSize)  // freq_cis_real and freq_cis_imag
        let classifier = shared
            ? embedding
            : WeightMatrix(rows: config.vocabSize, cols: dim, storage: .float32(take(config.vocabSize * dim)))
        let weights = TransformerWeights(
            tokenEmbedding: embedding, rmsAttention: rmsAttention, rmsFeedForward: rmsFeedForward,
            rmsFinal: rmsFinal, wq: wq, wk: wk, wv: wv, wo: wo, w1: w1, w2: w2, w3: w3,
            classifier: classifier)
        return (config, .float32, shared, weights)
    }

    private static func parseVersion2(_ file: MappedFile)
        throws(LlamaError) -> (ModelConfig, CheckpointFormat, Bool, TransformerWeights, [UnsafeMutablePointer<Float>]) {
        if file.size < v2HeaderBytes {
            throw .truncated(path: file.path, expectedBytes: v2HeaderBytes, actualBytes: file.size)
        }
        let version = file.int32(at: 4)
        if version != 2 {
            throw .invalidCheckpoint(
                path: file.path,
                reason: "export version \(version) is not supported (only v0 fp32 and v2 Q8_0)")
        }
        let config = readConfig(file, at: 8)
        if let problem = config.problem() { throw .invalidCheckpoint(path: file.path, reason: problem) }
        let shared = file.base.load(fromByteOffset: 36, as: UInt8.self) != 0
        let groupSize = file.int32(at: 37)
        // export.py backs the group size off (64, 32, ...) until it divides dim, and
        // groups each tensor as one flat array: where the group size does not divide
        // hidden_dim (stories42M: 64 and 1376), w2's groups straddle its rows.
        if groupSize <= 0 || config.dim % groupSize != 0 {
            throw .invalidCheckpoint(path: file.path, reason: "group size \(groupSize) does not divide dim \(config.dim)")
        }

        let dim = config.dim, hidden = config.hiddenDim, layers = config.layerCount
        let kvDim = config.kvDim
        let normBytes = 4 * (2 * layers * dim + dim)
        var expected = v2HeaderBytes + normBytes
        func tensorBytes(_ count: Int) -> Int { count + 4 * (count / groupSize) }
        expected += tensorBytes(config.vocabSize * dim)
        expected += layers * (2 * tensorBytes(dim * dim) + 2 * tensorBytes(dim * kvDim) + 3 * tensorBytes(dim * hidden))
        if !shared { expected += tensorBytes(config.vocabSize * dim) }
        if file.size < expected {
            throw .truncated(path: file.path, expectedBytes: expected, actualBytes: file.size)
        }

        var offset = v2HeaderBytes
        func takeFloats(_ count: Int) -> UnsafePointer<Float> {
            defer { offset += 4 * count }
            return (file.base + offset).assumingMemoryBound(to: Float.self)
        }
        var misaligned = false
        var owned: [UnsafeMutablePointer<Float>] = []
        func takeMatrix(rows: Int, cols: Int) -> WeightMatrix {
            let count = rows * cols
            let values = (file.base + offset).assumingMemoryBound(to: Int8.self)
            offset += count
            if offset % 4 != 0 { misaligned = true }
            let scales = takeFloats(count / groupSize)
            if cols % groupSize == 0 {
                return WeightMatrix(rows: rows, cols: cols,
                                    storage: .q8(values: values, scales: scales, groupSize: groupSize))
            }
            // Rows straddle groups: in pieces of gcd(groupSize, cols) values, each piece
            // lies inside one of the file's groups, so the matrix is an ordinary Q8_0 one
            // with that smaller group size and each piece's scale copied from its group.
            let pieceSize = greatestCommonDivisor(groupSize, cols)
            let pieces = count / pieceSize
            let pieceScales = UnsafeMutablePointer<Float>.allocate(capacity: pieces)
            for piece in 0..<pieces { pieceScales[piece] = scales[piece * pieceSize / groupSize] }
            owned.append(pieceScales)
            return WeightMatrix(rows: rows, cols: cols,
                                storage: .q8(values: values, scales: pieceScales, groupSize: pieceSize))
        }
        func matrices(rows: Int, cols: Int) -> [WeightMatrix] {
            (0..<layers).map { _ in takeMatrix(rows: rows, cols: cols) }
        }
        let rmsAttention = takeFloats(layers * dim)
        let rmsFeedForward = takeFloats(layers * dim)
        let rmsFinal = takeFloats(dim)
        let embedding = takeMatrix(rows: config.vocabSize, cols: dim)
        let wq = matrices(rows: dim, cols: dim)
        let wk = matrices(rows: kvDim, cols: dim)
        let wv = matrices(rows: kvDim, cols: dim)
        let wo = matrices(rows: dim, cols: dim)
        let w1 = matrices(rows: hidden, cols: dim)
        let w2 = matrices(rows: dim, cols: hidden)
        let w3 = matrices(rows: hidden, cols: dim)
        let classifier = shared ? embedding : takeMatrix(rows: config.vocabSize, cols: dim)
        if misaligned {
            for scales in owned { scales.deallocate() }
            throw .invalidCheckpoint(path: file.path, reason: "scale arrays are not 4-byte aligned")
        }
        let weights = TransformerWeights(
            tokenEmbedding: embedding, rmsAttention: rmsAttention, rmsFeedForward: rmsFeedForward,
            rmsFinal: rmsFinal, wq: wq, wk: wk, wv: wv, wo: wo, w1: w1, w2: w2, w3: w3,
            classifier: classifier)
        return (config, .q8(groupSize: groupSize), shared, weights, owned)
    }
}

/// The largest number dividing both `a` and `b` (positive).
func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
    var (a, b) = (a, b)
    while b != 0 { (a, b) = (b, a % b) }
    return a
}
