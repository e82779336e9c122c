import CPosix
import LlamaCore

/// What a checked request asks of a model: its prompt encoded as `babyllama run`
/// encodes it, the tokens to generate, the seed. Shared by the service's jobs and
/// `babyllama batch`, so a story is planned the same way wherever it is asked for.
public struct GenerationPlan: Sendable {
    /// BOS and the prompt's ids.
    public let promptTokens: [Int]
    /// Tokens to generate after the prompt (fewer if BOS is sampled or the context fills).
    public let maxTokens: Int
    /// The seed used (the request's, or a random one).
    public let seed: UInt64
    public let temperature: Float
    public let topP: Float

    /// run.c's default `-n`: the positions a story runs when the request names no `max_tokens`.
    public static let defaultSteps = 256

    /// Checks `request` against a model of `config` with `tokenizer`. `max_tokens`
    /// defaults to what `babyllama run`'s default `-n 256` generates after this prompt
    /// (256 positions, or the context if shorter, less the prompt's), and to the rest
    /// of the context when the prompt already fills 256 positions.
    public init(request: GenerationRequest, tokenizer: Tokenizer, config: ModelConfig) throws(APIError) {
        let seqLen = config.seqLen
        let promptTokens = request.prompt.withUnsafeBufferPointer { tokenizer.encode(bytes: $0, bos: true, eos: false) }
        if promptTokens.count > seqLen {
            throw .invalid("the prompt is \(promptTokens.count) tokens long (BOS included); the model's context holds \(seqLen)",
                           param: "prompt")
        }
        if let requested = request.maxTokens {
            if requested > seqLen {
                throw .invalid("'max_tokens' must be at most \(seqLen) (the model's context), got \(requested)",
                               param: "max_tokens")
            }
            maxTokens = requested
        } else {
            let runDefault = min(GenerationPlan.defaultSteps, seqLen) - (promptTokens.count - 1)
            maxTokens = runDefault >= 1 ? runDefault : seqLen - (promptTokens.count - 1)
        }
        self.promptTokens = promptTokens
        seed = request.seed ?? GenerationPlan.randomSeed()
        temperature = request.temperature
        topP = request.topP
    }

    /// run.c's `steps`: positions to run, prompt included.
    public var steps: Int { promptTokens.count - 1 + maxTokens }

    /// The sampler the story draws from.
    public func sampler(vocabSize: Int) -> Sampler {
        Sampler(vocabSize: vocabSize, temperature: temperature, topP: topP, seed: seed)
    }

    /// A random seed in 1...2^63-1 (JSON integers are signed; 0 means "pick one"), so
    /// it can be sent back and replayed.
    static func randomSeed() -> UInt64 {
        while true {
            var value: UInt64 = 0
            if shim_random_bytes(&value, 8) != 0 {
                // No kernel randomness: fall back to the clock (run.c's choice), still never 0.
                value = shim_monotonic_ns() ^ UInt64(bitPattern: shim_unix_time()) &* 0x9E37_79B9_7F4A_7C15
            }
            value &= GenerationRequest.maximumSeed
            if value != 0 { return value }
        }
    }
}
