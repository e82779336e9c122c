/// The shape of a random test model, as `make_model.py`'s options give it.
public struct ModelShape: Equatable, Sendable {
    public var dim: Int
    public var hiddenDim: Int
    public var layerCount: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var vocabSize: Int
    public var seqLen: Int
    /// False for `--unshared`: the checkpoint stores its own classifier.
    public var sharedClassifier = true

    public init(dim: Int, hiddenDim: Int, layerCount: Int, headCount: Int, kvHeadCount: Int, vocabSize: Int,
                seqLen: Int, sharedClassifier: Bool = true) {
        self.dim = dim
        self.hiddenDim = hiddenDim
        self.layerCount = layerCount
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.vocabSize = vocabSize
        self.seqLen = seqLen
        self.sharedClassifier = sharedClassifier
    }

    public var headSize: Int { dim / headCount }
    public var kvDim: Int { kvHeadCount * headSize }

    /// stories15M's shape, `make_model.py`'s default.
    public static let stories15M = ModelShape(dim: 288, hiddenDim: 768, layerCount: 6, headCount: 6, kvHeadCount: 6,
                                       vocabSize: 32000, seqLen: 256)
}
