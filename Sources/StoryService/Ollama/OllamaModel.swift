import CPosix
import LlamaCore
import Support

/// The loaded model as Ollama's API describes a model: its name, the `GET /api/tags`
/// entry and the `POST /api/show` answer. Ollama names models `name:tag`; the model
/// here is its checkpoint's file name without `.bin`, tagged `latest`
/// (`models/stories260K.bin` is `stories260K:latest`).
public struct OllamaModel: Sendable {
    /// `name:latest`.
    public let name: String
    /// The checkpoint's file name (`/v1/models`' id).
    public let fileName: String
    public let path: String
    public let sizeBytes: Int
    /// SHA-256 of the checkpoint, hex (Ollama's `digest`).
    public let digest: String
    /// When the checkpoint file was last modified (Ollama's `modified_at`: when the model was pulled).
    public let modifiedUnixNanoseconds: Int64
    public let config: ModelConfig
    public let format: CheckpointFormat
    public let sharedClassifier: Bool

    /// Describes `checkpoint`, whose file hashes to `sha256`.
    public init(checkpoint: Checkpoint, sha256: String) {
        path = checkpoint.path
        fileName = StoryEngine.fileName(of: path)
        name = String(decoding: OllamaModel.removing(".bin", from: Array(fileName.utf8)), as: UTF8.self)
            + OllamaModel.defaultTag
        sizeBytes = checkpoint.file.size
        digest = sha256
        let modified = shim_file_modified_ns(path)
        modifiedUnixNanoseconds = modified >= 0 ? modified : shim_unix_time_ns()
        config = checkpoint.config
        format = checkpoint.format
        sharedClassifier = checkpoint.sharedClassifier
    }

    /// The tag Ollama gives a name that has none.
    static let defaultTag = ":latest"

    /// True if `requested` names this model: empty (the one model loaded), the name with or
    /// without `:latest`, or the checkpoint's file name (`/v1/models`' id).
    public func matches(_ requested: String) -> Bool {
        if requested.isEmpty { return true }
        let bare = OllamaModel.removing(OllamaModel.defaultTag, from: Array(requested.utf8))
        return bare == OllamaModel.removing(OllamaModel.defaultTag, from: Array(name.utf8)) || bare.elementsEqual(fileName.utf8)
    }

    /// `text` without `suffix`, if it ends with it (and is longer).
    private static func removing(_ suffix: String, from text: [UInt8]) -> [UInt8] {
        let tail = Array(suffix.utf8)
        guard text.count > tail.count && text.suffix(tail.count).elementsEqual(tail) else { return text }
        return Array(text.dropLast(tail.count))
    }

    /// Ollama's answer for a model it does not have (404).
    public static func notFound(_ requested: String) -> APIError {
        APIError(status: 404, type: "not_found_error", message: "model '\(requested)' not found", param: "model")
    }

    /// The weights' count: embedding, per layer the two norms, attention and feed-forward
    /// matrices, the final norm, and the classifier unless it is the embedding.
    public var parameterCount: Int {
        let c = config
        let perLayer = 2 * c.dim + 2 * c.dim * c.dim + 2 * c.dim * c.kvDim + 3 * c.dim * c.hiddenDim
        return c.vocabSize * c.dim * (sharedClassifier ? 1 : 2) + c.layerCount * perLayer + c.dim
    }

    /// The parameter count as Ollama writes it (`parameterSize(count:)`).
    public var parameterSize: String { OllamaModel.parameterSize(count: parameterCount) }

    /// A parameter count as Ollama writes it: `260K`, `15.22M`, `7B`, `1.1B`.
    public static func parameterSize(count: Int) -> String {
        let value = Double(count)
        if value >= 1e9 { return short(value / 1e9, decimals: 1) + "B" }
        if value >= 1e6 { return short(value / 1e6, decimals: 2) + "M" }
        if value >= 1e3 { return FixedDecimal.format(value / 1e3, decimals: 0) + "K" }
        return String(count)
    }

    /// A whole number without decimals, anything else with `decimals`.
    private static func short(_ value: Double, decimals: Int) -> String {
        FixedDecimal.format(value, decimals: value == value.rounded(.down) ? 0 : decimals)
    }

    /// Ollama's `details`.
    var details: JSONValue {
        let quantization: String
        switch format {
        case .float32: quantization = "F32"
        case .q8: quantization = "Q8_0"
        }
        return .object([
            ("parent_model", .string("")),
            ("format", .string("llama2.c")),
            ("family", .string("llama")),
            ("families", .array([.string("llama")])),
            ("parameter_size", .string(parameterSize)),
            ("quantization_level", .string(quantization)),
        ])
    }

    private var modifiedAt: JSONValue { .string(UTCTimestamp.rfc3339(unixNanoseconds: modifiedUnixNanoseconds)) }

    /// `GET /api/tags`: `{"models": [...]}` with this one model.
    public var tags: JSONValue {
        let entry = JSONValue.object([
            ("name", .string(name)),
            ("model", .string(name)),
            ("modified_at", modifiedAt),
            ("size", .int(sizeBytes)),
            ("digest", .string(digest)),
            ("details", details),
        ])
        return .object([("models", .array([entry]))])
    }

    /// `POST /api/show`: the modelfile, default parameters, template (the prompt as it is:
    /// a story model has none), details, the shape as `model_info` and what it can do.
    public var show: JSONValue {
        let c = config
        let parameters = "temperature 1\ntop_p 0.9\nnum_ctx \(c.seqLen)\nnum_predict \(GenerationPlan.defaultSteps)"
        let info = JSONValue.object([
            ("general.architecture", .string("llama")),
            ("general.parameter_count", .int(parameterCount)),
            ("llama.context_length", .int(c.seqLen)),
            ("llama.embedding_length", .int(c.dim)),
            ("llama.block_count", .int(c.layerCount)),
            ("llama.feed_forward_length", .int(c.hiddenDim)),
            ("llama.attention.head_count", .int(c.headCount)),
            ("llama.attention.head_count_kv", .int(c.kvHeadCount)),
            ("llama.rope.dimension_count", .int(c.headSize)),
            ("llama.vocab_size", .int(c.vocabSize)),
        ])
        return .object([
            ("modelfile", .string("# babyllama serves the llama2.c checkpoint\nFROM \(path)\n")),
            ("parameters", .string(parameters)),
            ("template", .string("{{ .Prompt }}")),
            ("details", details),
            ("model_info", info),
            ("capabilities", .array([.string("completion")])),
            ("modified_at", modifiedAt),
        ])
    }

    /// `GET /api/version`: the Ollama release whose API this subset follows (clients
    /// check it before using newer features).
    public static var version: JSONValue { .object([("version", .string(apiVersion))]) }

    /// The Ollama version reported.
    public static let apiVersion = "0.5.0"
}
