/// The shape of a random test model, as `make_model.py`'s options give it.
struct ModelShape: Equatable, Sendable {
    var dim: Int
    var hiddenDim: Int
    var layerCount: Int
    var headCount: Int
    var kvHeadCount: Int
    var vocabSize: Int
    var seqLen: Int
    /// False for `--unshared`: the checkpoint stores its own classifier.
    var sharedClassifier = true

    var headSize: Int { dim / headCount }
    var kvDim: Int { kvHeadCount * headSize }

    /// stories15M's shape, `make_model.py`'s default.
    static let stories15M = ModelShape(dim: 288, hiddenDim: 768, layerCount: 6, headCount: 6, kvHeadCount: 6,
                                       vocabSize: 32000, seqLen: 256)
}
