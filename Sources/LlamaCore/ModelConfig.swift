/// The shape of a llama2.c transformer, as stored in a checkpoint header.
public struct ModelConfig: Equatable, Sendable {
    /// Width of the residual stream.
    public var dim: Int
    /// Width of the feed-forward layer.
    public var hiddenDim: Int
    public var layerCount: Int
    /// Number of query heads.
    public var headCount: Int
    /// Number of key/value heads (fewer than `headCount` for grouped-query attention).
    public var kvHeadCount: Int
    public var vocabSize: Int
    /// Longest sequence (context) the model was trained for.
    public var seqLen: Int

    public init(dim: Int, hiddenDim: Int, layerCount: Int, headCount: Int, kvHeadCount: Int,
                vocabSize: Int, seqLen: Int) {
        self.dim = dim
        self.hiddenDim = hiddenDim
        self.layerCount = layerCount
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.vocabSize = vocabSize
        self.seqLen = seqLen
    }

    /// Width of one attention head.
    public var headSize: Int { dim / headCount }
    /// Width of the key/value vectors of one position (all kv heads).
    public var kvDim: Int { kvHeadCount * headSize }
    /// How many query heads share one key/value head.
    public var kvMultiplier: Int { headCount / kvHeadCount }

    /// Checks the shape is one the forward pass can run, and small enough that
    /// sizes computed from it cannot overflow. Returns the reason it is not, or nil.
    func problem() -> String? {
        if dim <= 0 || hiddenDim <= 0 || layerCount <= 0 || headCount <= 0 || kvHeadCount <= 0
            || vocabSize <= 0 || seqLen <= 0 {
            return "header has a zero or negative dimension"
        }
        if dim > 1 << 16 || hiddenDim > 1 << 18 || layerCount > 1 << 10 || vocabSize > 1 << 22
            || seqLen > 1 << 20 {
            return "header dimensions are implausibly large"
        }
        if dim % headCount != 0 { return "dim \(dim) is not a multiple of n_heads \(headCount)" }
        if headCount % kvHeadCount != 0 {
            return "n_heads \(headCount) is not a multiple of n_kv_heads \(kvHeadCount)"
        }
        if headSize % 2 != 0 { return "head size \(headSize) is odd (RoPE rotates pairs)" }
        return nil
    }
}
