import Foundation

/// A naive float64 llama2.c forward pass, written from the architecture (as
/// shared/tools/ref_forward.py) with its own checkpoint parser, so it shares no
/// code with the engine it checks.
final class OracleTransformer {
    let dim: Int, hiddenDim: Int, layerCount: Int, headCount: Int, kvHeadCount: Int, vocabSize: Int, seqLen: Int
    var headSize: Int { dim / headCount }
    var kvDim: Int { kvHeadCount * headSize }

    // Weights as float64, row-major; per-layer tensors hold `layerCount` blocks.
    private var embedding: [Double] = [], rmsAttention: [Double] = [], rmsFeedForward: [Double] = []
    private var wq: [Double] = [], wk: [Double] = [], wv: [Double] = [], wo: [Double] = []
    private var w1: [Double] = [], w2: [Double] = [], w3: [Double] = []
    private var rmsFinal: [Double] = [], classifier: [Double] = []

    /// Q8_0 group size of a v2 file, nil for v0.
    let groupSize: Int?
    /// When set, every matmul input is first quantized as runq.c does (in float64),
    /// so the oracle computes what a Q8_0 engine means to compute.
    var quantizesActivations = false

    private var keyCache: [Double], valueCache: [Double]

    /// Parses a v0 (fp32) or v2 (Q8_0, dequantized) llama2.c checkpoint.
    init(bytes: [UInt8]) throws {
        var reader = ByteReader(bytes: bytes)
        let isVersion2 = try reader.uint32(at: 0) == 0x616B_3432
        if isVersion2 {
            guard try reader.int32(at: 4) == 2 else { throw FixtureError("oracle: unsupported version") }
            reader.offset = 8
        }
        dim = try reader.nextInt32()
        hiddenDim = try reader.nextInt32()
        layerCount = try reader.nextInt32()
        headCount = try reader.nextInt32()
        kvHeadCount = try reader.nextInt32()
        let rawVocab = try reader.nextInt32()
        seqLen = try reader.nextInt32()
        vocabSize = abs(rawVocab)
        let shared: Bool
        if isVersion2 {
            shared = bytes[36] != 0
            groupSize = try reader.int32(at: 37)
            reader.offset = 256
        } else {
            shared = rawVocab > 0
            groupSize = nil
        }
        let kvDim = kvHeadCount * (dim / headCount)
        keyCache = [Double](repeating: 0, count: layerCount * seqLen * kvDim)
        valueCache = keyCache

        if let groupSize {
            func matrices(_ rows: Int, _ cols: Int, count: Int) throws -> [Double] {
                var all: [Double] = []
                for _ in 0..<count { all += try reader.nextQ8(rows * cols, groupSize: groupSize) }
                return all
            }
            rmsAttention = try reader.nextFloats(layerCount * dim)
            rmsFeedForward = try reader.nextFloats(layerCount * dim)
            rmsFinal = try reader.nextFloats(dim)
            embedding = try matrices(vocabSize, dim, count: 1)
            wq = try matrices(dim, dim, count: layerCount)
            wk = try matrices(kvDim, dim, count: layerCount)
            wv = try matrices(kvDim, dim, count: layerCount)
            wo = try matrices(dim, dim, count: layerCount)
            w1 = try matrices(hiddenDim, dim, count: layerCount)
            w2 = try matrices(dim, hiddenDim, count: layerCount)
            w3 = try matrices(hiddenDim, dim, count: layerCount)
            classifier = shared ? embedding : try matrices(vocabSize, dim, count: 1)
        } else {
            embedding = try reader.nextFloats(vocabSize * dim)
            rmsAttention = try reader.nextFloats(layerCount * dim)
            wq = try reader.nextFloats(layerCount * dim * dim)
            wk = try reader.nextFloats(layerCount * kvDim * dim)
            wv = try reader.nextFloats(layerCount * kvDim * dim)
            wo = try reader.nextFloats(layerCount * dim * dim)
            rmsFeedForward = try reader.nextFloats(layerCount * dim)
            w1 = try reader.nextFloats(layerCount * hiddenDim * dim)
            w2 = try reader.nextFloats(layerCount * dim * hiddenDim)
            w3 = try reader.nextFloats(layerCount * hiddenDim * dim)
            rmsFinal = try reader.nextFloats(dim)
            _ = try reader.nextFloats(seqLen * (dim / headCount))  // RoPE tables, unused
            classifier = shared ? embedding : try reader.nextFloats(vocabSize * dim)
        }
    }

    /// The logits after feeding `token` at `position` (earlier positions fed first).
    func forward(token: Int, position: Int) -> [Double] {
        let headSize = self.headSize, kvDim = self.kvDim
        let kvMultiplier = headCount / kvHeadCount
        var x = Array(embedding[(token * dim)..<((token + 1) * dim)])
        for layer in 0..<layerCount {
            let xb = rmsnorm(x, rmsAttention, offset: layer * dim)
            var q = matmul(wq, matrix: layer, rows: dim, cols: dim, xb)
            var k = matmul(wk, matrix: layer, rows: kvDim, cols: dim, xb)
            let v = matmul(wv, matrix: layer, rows: kvDim, cols: dim, xb)
            // RoPE: rotate pairs by position · 10000^(-headDim/headSize).
            for i in stride(from: 0, to: dim, by: 2) {
                let headDim = i % headSize
                let angle = Double(position) / pow(10000.0, Double(headDim) / Double(headSize))
                let c = cos(angle), s = sin(angle)
                (q[i], q[i + 1]) = (q[i] * c - q[i + 1] * s, q[i] * s + q[i + 1] * c)
                if i < kvDim { (k[i], k[i + 1]) = (k[i] * c - k[i + 1] * s, k[i] * s + k[i + 1] * c) }
            }
            let cacheBase = layer * seqLen * kvDim
            for i in 0..<kvDim {
                keyCache[cacheBase + position * kvDim + i] = k[i]
                valueCache[cacheBase + position * kvDim + i] = v[i]
            }
            var attention = [Double](repeating: 0, count: dim)
            for head in 0..<headCount {
                let kvOffset = (head / kvMultiplier) * headSize
                var scores = (0...position).map { t -> Double in
                    var score = 0.0
                    for i in 0..<headSize {
                        score += q[head * headSize + i] * keyCache[cacheBase + t * kvDim + kvOffset + i]
                    }
                    return score / Double(headSize).squareRoot()
                }
                let maxScore = scores.max()!
                scores = scores.map { exp($0 - maxScore) }
                let total = scores.reduce(0, +)
                for t in 0...position {
                    for i in 0..<headSize {
                        attention[head * headSize + i] += scores[t] / total * valueCache[cacheBase + t * kvDim + kvOffset + i]
                    }
                }
            }
            let projected = matmul(wo, matrix: layer, rows: dim, cols: dim, attention)
            for i in 0..<dim { x[i] += projected[i] }

            let xf = rmsnorm(x, rmsFeedForward, offset: layer * dim)
            let h1 = matmul(w1, matrix: layer, rows: hiddenDim, cols: dim, xf)
            let h3 = matmul(w3, matrix: layer, rows: hiddenDim, cols: dim, xf)
            let hidden = (0..<hiddenDim).map { h1[$0] / (1 + exp(-h1[$0])) * h3[$0] }
            let down = matmul(w2, matrix: layer, rows: dim, cols: hiddenDim, hidden)
            for i in 0..<dim { x[i] += down[i] }
        }
        let final = rmsnorm(x, rmsFinal, offset: 0)
        return matmul(classifier, matrix: 0, rows: vocabSize, cols: dim, final)
    }

    private func rmsnorm(_ x: [Double], _ weight: [Double], offset: Int) -> [Double] {
        let meanSquare = x.reduce(0) { $0 + $1 * $1 } / Double(x.count)
        let scale = 1 / (meanSquare + 1e-5).squareRoot()
        return x.indices.map { weight[offset + $0] * x[$0] * scale }
    }

    /// Matrix `matrix` (rows × cols) of `weights` times `x`.
    private func matmul(_ weights: [Double], matrix: Int, rows: Int, cols: Int, _ x: [Double]) -> [Double] {
        let input = quantizesActivations ? quantized(x) : x
        let base = matrix * rows * cols
        return (0..<rows).map { row in
            var total = 0.0
            for j in 0..<cols { total += weights[base + row * cols + j] * input[j] }
            return total
        }
    }

    /// runq.c's activation quantization (scale = max|x|/127, q = round(x/scale)), dequantized,
    /// in the groups of the matrix that reads `x`: the file's, or where they straddle its
    /// rows (a group size not dividing hidden_dim) the largest size dividing both.
    private func quantized(_ x: [Double]) -> [Double] {
        guard let fileGroupSize = self.groupSize else { return x }
        var (groupSize, remainder) = (fileGroupSize, x.count)
        while remainder != 0 { (groupSize, remainder) = (remainder, groupSize % remainder) }
        var out = x
        for start in stride(from: 0, to: x.count, by: groupSize) {
            let scale = x[start..<(start + groupSize)].reduce(0) { max($0, abs($1)) } / 127
            for i in start..<(start + groupSize) {
                out[i] = scale == 0 ? 0 : (x[i] / scale).rounded(.toNearestOrAwayFromZero) * scale
            }
        }
        return out
    }
}
