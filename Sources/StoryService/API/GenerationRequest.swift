import Support

/// A generation request after its JSON has been checked, before the model has
/// seen it (the limits that depend on the model are checked by `GenerationPlan`).
public struct GenerationRequest: Equatable, Sendable {
    /// The prompt's UTF-8 bytes (valid UTF-8, no NUL).
    public var prompt: [UInt8]
    /// The sampler seed, 1...2^63-1; nil picks a random one.
    public var seed: UInt64?
    /// Sampling temperature, 0 (greedy) or more.
    public var temperature: Float = 1.0
    /// Nucleus sampling mass, in (0, 1]; 1 samples from the whole distribution.
    public var topP: Float = 0.9
    /// Tokens to generate after the prompt; nil means run.c's default (see `StoryEngine.prepare`).
    public var maxTokens: Int?
    /// Send tokens as Server-Sent Events while they are made.
    public var stream = false
    /// Read the story aloud on the server's audio device while it is generated.
    public var speak = false
    /// Return the story's speech in the answer, in this format; nil for none.
    public var audio: AudioFormat?
    /// A spoken prompt (`"prompt_audio"`, a base64 WAV, decoded): the service hears it and
    /// replaces `prompt` with the story opening it asks for.
    public var promptAudio: [UInt8]?

    /// True if the request needs speech synthesis (`speak` or `audio`).
    public var wantsSpeech: Bool { speak || audio != nil }

    public init(prompt: [UInt8], seed: UInt64? = nil, temperature: Float = 1.0, topP: Float = 0.9,
                maxTokens: Int? = nil, stream: Bool = false, speak: Bool = false, audio: AudioFormat? = nil) {
        self.prompt = prompt
        self.seed = seed
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.stream = stream
        self.speak = speak
        self.audio = audio
    }

    /// The largest seed accepted (seeds are JSON integers, signed 64-bit).
    public static let maximumSeed = UInt64(Int64.max)

    /// Reads and checks a request body. Malformed JSON or invalid UTF-8 is a 400;
    /// a body of the wrong shape, a member of the wrong type or out of range is a 422.
    /// Members not listed here (an OpenAI client's `model`, `n`, `stop`...) are ignored.
    public static func parse(_ body: [UInt8], dialect: APIDialect) throws(APIError) -> GenerationRequest {
        try parse(document(body), dialect: dialect)
    }

    /// A line of `babyllama batch`'s input: a `/v1/generate` body with an optional `"id"`
    /// (a JSON value of whatever kind, given back with the story or its error; null when absent or
    /// when the line is not JSON at all).
    public static func parseBatchLine(_ line: [UInt8]) -> (id: JSONValue, request: Result<GenerationRequest, APIError>) {
        let root: JSONDocument
        do {
            root = try document(line)
        } catch {
            return (.null, .failure(error))
        }
        let id = root.kind == .object ? root.member("id")?.value ?? .null : .null
        do {
            return (id, .success(try parse(root, dialect: .native)))
        } catch {
            return (id, .failure(error))
        }
    }

    /// The parsed body: malformed JSON or invalid UTF-8 is a 400.
    static func document(_ body: [UInt8]) throws(APIError) -> JSONDocument {
        let root: JSONDocument
        do {
            root = try JSONDocument.parse(body)
        } catch {
            switch error {
            case .invalidUTF8: throw .malformed("the body is not valid UTF-8")
            case .numberOutOfRange(_, let position):
                throw .invalid("the number at byte \(position) is out of range (too large or too small to represent)")
            case .malformed, .tooDeep: throw .malformed(error.message)
            }
        }
        return root
    }

    /// Checks a parsed body: the wrong shape, a member of the wrong type or out of range is a 422.
    private static func parse(_ root: JSONDocument, dialect: APIDialect) throws(APIError) -> GenerationRequest {
        guard root.kind == .object else { throw .invalid("the body must be a JSON object") }

        var request: GenerationRequest
        if let audioValue = present(root, "prompt_audio") {
            if present(root, "prompt") != nil {
                throw .invalid("give 'prompt' or 'prompt_audio', not both", param: "prompt_audio")
            }
            guard let text = audioValue.stringBytes else {
                throw .invalid("'prompt_audio' must be a string: a base64-encoded WAV file", param: "prompt_audio")
            }
            guard let wav = Base64.decode(text) else {
                throw .invalid("'prompt_audio' is not valid base64", param: "prompt_audio")
            }
            if wav.isEmpty { throw .invalid("'prompt_audio' is empty", param: "prompt_audio") }
            request = GenerationRequest(prompt: [])
            request.promptAudio = wav
        } else {
            guard let promptValue = root.member("prompt"), promptValue.kind != .null else {
                throw .invalid("'prompt' is required (or 'prompt_audio', a spoken one)", param: "prompt")
            }
            request = GenerationRequest(prompt: try promptBytes(promptValue, dialect: dialect))
        }

        if let value = present(root, "seed") { request.seed = try seed(value, param: "seed") }
        if let value = present(root, "temperature") { request.temperature = try temperature(value, param: "temperature") }
        if let value = present(root, "top_p") { request.topP = try topP(value, param: "top_p") }
        if let value = present(root, "max_tokens") {
            guard let number = value.integerValue else { throw .invalid("'max_tokens' must be an integer", param: "max_tokens") }
            if number < 1 { throw .invalid("'max_tokens' must be at least 1, got \(number)", param: "max_tokens") }
            // The model's context bounds it further (StoryEngine.prepare); clamp here only so it fits an Int.
            request.maxTokens = Int(min(number, Int64(Int32.max)))
        }
        if let value = present(root, "stream") { request.stream = try flag(value, param: "stream") }
        if let value = present(root, "speak") { request.speak = try flag(value, param: "speak") }
        if let value = present(root, "audio") {
            guard let name = value.stringBytes, let format = AudioFormat(name: name) else {
                throw .invalid(#"'audio' must be "wav" (the one audio format offered), or absent for none"#,
                               param: "audio")
            }
            request.audio = format
        }
        if dialect == .openAICompletions, let value = present(root, "n") {
            if value.integerValue != 1 { throw .invalid("only 'n': 1 is supported", param: "n") }
        }
        return request
    }

    /// The sampler seed member `param`: an integer from 0 (a random seed, nil) to `maximumSeed`.
    static func seed(_ value: JSONDocument, param: String) throws(APIError) -> UInt64? {
        guard let seed = value.integerValue else {
            throw .invalid("'\(param)' must be an integer from 0 to \(maximumSeed) (0 picks a random seed)", param: param)
        }
        if seed < 0 {
            throw .invalid("'\(param)' must be an integer from 0 to \(maximumSeed) (0 picks a random seed), got \(seed)",
                           param: param)
        }
        return seed == 0 ? nil : UInt64(seed)
    }

    /// The temperature member `param`: a number, 0 (greedy) or more.
    static func temperature(_ value: JSONDocument, param: String) throws(APIError) -> Float {
        guard let number = value.numberValue else { throw .invalid("'\(param)' must be a number", param: param) }
        if !(number >= 0) {
            throw .invalid("'\(param)' must be 0 or more", param: param)
        }
        if number > Double(Float.greatestFiniteMagnitude) {
            throw .invalid("'\(param)' must be at most 3.4e38 (the largest 32-bit float)", param: param)
        }
        return Float(number)
    }

    /// The nucleus mass member `param`: a number in (0, 1].
    static func topP(_ value: JSONDocument, param: String) throws(APIError) -> Float {
        guard let number = value.numberValue else { throw .invalid("'\(param)' must be a number", param: param) }
        if !(number > 0 && number <= 1) {
            throw .invalid("'\(param)' must be greater than 0 and at most 1", param: param)
        }
        // A value a 32-bit float cannot hold rounds to 0, which `run` (as run.c) reads as
        // "no nucleus sampling": refused, so that no accepted value means two things.
        if number < Double(Float.leastNormalMagnitude) {
            throw .invalid("'\(param)' must be at least 1.2e-38 (the smallest normal 32-bit float)", param: param)
        }
        return Float(number)
    }

    /// The boolean member `param`.
    static func flag(_ value: JSONDocument, param: String) throws(APIError) -> Bool {
        guard let flag = value.boolValue else { throw .invalid("'\(param)' must be true or false", param: param) }
        return flag
    }

    /// A member that is present and not null.
    static func present(_ object: JSONDocument, _ key: String) -> JSONDocument? {
        guard let value = object.member(key), value.kind != .null else { return nil }
        return value
    }

    /// The prompt: a string, or (OpenAI) an array holding exactly one string.
    private static func promptBytes(_ value: JSONDocument, dialect: APIDialect) throws(APIError) -> [UInt8] {
        var text = value.stringBytes
        if text == nil && dialect == .openAICompletions && value.kind == .array {
            let elements = value.elements
            if elements.count != 1 {
                throw .invalid("'prompt' must be a string or an array of exactly one string, got \(elements.count) elements",
                               param: "prompt")
            }
            text = elements[0].stringBytes
        }
        guard let bytes = text else {
            throw .invalid(dialect == .openAICompletions ? "'prompt' must be a string or an array of one string"
                                                          : "'prompt' must be a string", param: "prompt")
        }
        if bytes.contains(0) { throw .invalid("'prompt' must not contain NUL characters", param: "prompt") }
        return bytes
    }
}
