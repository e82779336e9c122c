import LlamaKernels

/// Every weight of the model, as in run.c's `TransformerWeights`: one entry
/// per layer for the matrices, `layerCount × dim` floats for the norms.
/// The pointers are into the checkpoint's mapping (or `HalfWeights`' copies).
public struct TransformerWeights {
    /// `vocabSize × dim`: row `t` is token `t`'s embedding.
    public var tokenEmbedding: WeightMatrix
    /// The attention rmsnorm weights, `dim` per layer.
    public var rmsAttention: UnsafePointer<Float>
    /// The feed-forward rmsnorm weights, `dim` per layer.
    public var rmsFeedForward: UnsafePointer<Float>
    /// The final rmsnorm weights, `dim`.
    public var rmsFinal: UnsafePointer<Float>
    /// Query, key, value and output projections: `dim × dim`, `kvDim × dim` (twice), `dim × dim`.
    public var wq: [WeightMatrix]
    public var wk: [WeightMatrix]
    public var wv: [WeightMatrix]
    public var wo: [WeightMatrix]
    /// Feed-forward: `hiddenDim × dim` (W1 and W3, the gate) and `dim × hiddenDim` (W2).
    public var w1: [WeightMatrix]
    public var w2: [WeightMatrix]
    public var w3: [WeightMatrix]
    /// The output projection; the token embedding itself when the checkpoint shares them.
    public var classifier: WeightMatrix
}
