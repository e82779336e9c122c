/// All tensors of a llama2.c model in fp32, flattened row-major, in the order and
/// shapes of `make_model.py` (`fcos`/`fsin` are the unused RoPE tables).
public struct ModelTensors: Sendable {
    public var shape: ModelShape
    /// Tensor name → values; names as in `make_model.py`'s `ORDER` plus "wcls".
    public var values: [String: [Float]]

    /// The tensors of a v0 file, in file order (the classifier last, unshared only).
    public static let order = ["emb", "rms_att", "wq", "wk", "wv", "wo", "rms_ffn", "w1", "w2", "w3",
                        "rms_final", "fcos", "fsin"]

    public subscript(_ name: String) -> [Float] { values[name]! }

    /// Layer `layer`'s slice of a per-layer tensor of `count` values per layer.
    public func layer(_ name: String, _ layer: Int) -> ArraySlice<Float> {
        let all = self[name]
        let count = all.count / shape.layerCount
        return all[(layer * count)..<((layer + 1) * count)]
    }
}
