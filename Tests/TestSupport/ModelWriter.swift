import Foundation

/// A Swift port of `scripts/make_model.py`: seeded random llama2.c checkpoints,
/// byte for byte (the tests check the files' sha256 against the Python script's).
public enum ModelWriter {
    private static let golden: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// `stream(seed, k, n, std)`: `count` floats uniform in [-std·√3, std·√3) from
    /// splitmix64 counter stream `stream` of `seed`, computed in float64 and rounded
    /// to float32 as numpy does.
    public static func stream(seed: UInt64, stream: UInt64, count: Int, std: Double) -> [Float] {
        let base = seed &* 0x1_0000_0001_B3 &+ stream
        // Python evaluates `std * 3.0 ** 0.5` with libm's pow; so does this.
        let halfWidth = std * pow(3.0, 0.5)
        var out = [Float](repeating: 0, count: count)
        for i in 0..<count {
            var z = base &+ UInt64(i + 1) &* golden
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z = z ^ (z >> 31)
            let u = Double(z >> 40) / Double(1 << 24)
            out[i] = Float((2.0 * u - 1.0) * halfWidth)
        }
        return out
    }

    /// `random_tensors`: tensor k in file order is stream k; norms are 1 + noise.
    public static func randomTensors(_ shape: ModelShape, seed: UInt64) -> ModelTensors {
        let dim = shape.dim, layers = shape.layerCount, kvDim = shape.kvDim
        let inverseRootDim = pow(Double(dim), -0.5)
        let spec: [String: (count: Int, std: Double)] = [
            "emb": (shape.vocabSize * dim, 0.1),
            "rms_att": (layers * dim, 0.1),
            "wq": (layers * dim * dim, inverseRootDim),
            "wk": (layers * kvDim * dim, inverseRootDim),
            "wv": (layers * kvDim * dim, inverseRootDim),
            "wo": (layers * dim * dim, inverseRootDim),
            "rms_ffn": (layers * dim, 0.1),
            "w1": (layers * shape.hiddenDim * dim, inverseRootDim),
            "w2": (layers * dim * shape.hiddenDim, pow(Double(shape.hiddenDim), -0.5)),
            "w3": (layers * shape.hiddenDim * dim, inverseRootDim),
            "rms_final": (dim, 0.1),
            "fcos": (shape.seqLen * (shape.headSize / 2), 0),
            "fsin": (shape.seqLen * (shape.headSize / 2), 0),
            "wcls": (shape.vocabSize * dim, 4 * inverseRootDim),
        ]
        var values: [String: [Float]] = [:]
        for (k, name) in (ModelTensors.order + ["wcls"]).enumerated() {
            if name == "wcls" && shape.sharedClassifier { continue }
            let (count, std) = spec[name]!
            var x = std == 0
                ? [Float](repeating: 0, count: count)
                : stream(seed: seed, stream: UInt64(k), count: count, std: std)
            // numpy adds the Python float 1.0 to a float32 array in float32.
            if name.hasPrefix("rms") { x = x.map { 1 + $0 } }
            values[name] = x
        }
        return ModelTensors(shape: shape, values: values)
    }

    /// `write_v0`: run.c's legacy format; a negative vocabulary size marks an unshared classifier.
    public static func version0(_ tensors: ModelTensors) -> [UInt8] {
        let shape = tensors.shape
        var out = ByteWriter()
        for field in [shape.dim, shape.hiddenDim, shape.layerCount, shape.headCount, shape.kvHeadCount,
                      shape.sharedClassifier ? shape.vocabSize : -shape.vocabSize, shape.seqLen] {
            out.int32(field)
        }
        for name in ModelTensors.order { out.floats(tensors[name]) }
        if !shape.sharedClassifier { out.floats(tensors["wcls"]) }
        return out.bytes
    }

    /// The Q8_0 group size `write_v2` picks: 64, halved until it divides dim.
    public static func groupSize(dim: Int) -> Int {
        var groupSize = 64
        while dim % groupSize != 0 { groupSize /= 2 }
        return groupSize
    }

    /// `write_v2` (what `--from-v0 IN --version 2` writes: v0 stores these float32
    /// tensors exactly, so quantizing them is quantizing the file's contents).
    public static func version2(_ tensors: ModelTensors) -> [UInt8] {
        let shape = tensors.shape
        let groupSize = groupSize(dim: shape.dim)
        var out = ByteWriter()
        out.uint32(0x616B_3432)
        out.int32(2)
        for field in [shape.dim, shape.hiddenDim, shape.layerCount, shape.headCount, shape.kvHeadCount,
                      shape.vocabSize, shape.seqLen] {
            out.int32(field)
        }
        out.bytes.append(shape.sharedClassifier ? 1 : 0)
        out.int32(groupSize)
        out.bytes.append(contentsOf: [UInt8](repeating: 0, count: 256 - out.bytes.count))
        for name in ["rms_att", "rms_ffn", "rms_final"] { out.floats(tensors[name]) }
        var matrices: [ArraySlice<Float>] = [tensors["emb"][...]]
        for name in ["wq", "wk", "wv", "wo", "w1", "w2", "w3"] {
            for layer in 0..<shape.layerCount { matrices.append(tensors.layer(name, layer)) }
        }
        if !shape.sharedClassifier { matrices.append(tensors["wcls"][...]) }
        for matrix in matrices {
            let (values, scales) = quantize(matrix, groupSize: groupSize)
            out.bytes.append(contentsOf: values.map { UInt8(bitPattern: $0) })
            out.floats(scales)
        }
        return out.bytes
    }

    /// `quantize_q80`: per group, scale = float32(max|w| / 127) and q = round(w / scale)
    /// with numpy's round half to even, all in float32.
    public static func quantize(_ w: ArraySlice<Float>, groupSize: Int) -> (values: [Int8], scales: [Float]) {
        if w.count % groupSize != 0 { fatalError("numpy's reshape(-1, gs) needs whole groups") }
        var values = [Int8](repeating: 0, count: w.count)
        var scales: [Float] = []
        scales.reserveCapacity(w.count / groupSize)
        var start = w.startIndex
        while start < w.endIndex {
            let group = w[start..<(start + groupSize)]
            let wmax = group.reduce(Float(0)) { max($0, abs($1)) }
            let scale = wmax / 127
            scales.append(scale)
            for (offset, value) in group.enumerated() {
                values[start - w.startIndex + offset] = Int8((value / scale).rounded(.toNearestOrEven))
            }
            start += groupSize
        }
        return (values, scales)
    }
}
