import Support

/// A `POST /api/generate` or `POST /api/chat` body (Ollama's API) after it has been
/// checked, as the generation it asks for. What maps onto this server:
///
/// - `model`: a name for the loaded model (checked against it by `OllamaModel.matches`);
///   empty when absent.
/// - the prompt: `/api/generate`'s `prompt`; for `/api/chat`, the content of the last
///   message whose role is `user` — the story model has no chat template, so that text
///   is the story's opening and the answer continues it (system messages, earlier
///   turns, images and tools are not read). No prompt (an empty or absent `prompt`, an
///   empty `messages`) is Ollama's "load the model" request: `generation` is nil.
/// - `stream`: true unless the body says false (Ollama streams by default).
/// - `options.seed`, `options.temperature`, `options.top_p`, `options.num_predict`:
///   `/v1/generate`'s `seed`, `temperature`, `top_p` and `max_tokens`, with the same
///   defaults (t 1.0, p 0.9, a random seed, `babyllama run`'s 256 positions), so the same
///   settings give the same tokens. A negative seed is random too (Ollama's -1);
///   `num_predict` 0 or negative (Ollama's -1 "no limit", -2 "fill the context") runs to
///   the end of the context, as does one larger than the context (`unlimitedTokens`).
///
/// Every other member and option (`system`, `format`, `keep_alive`, `top_k`, `num_ctx`,
/// `stop`...) is accepted and ignored. Errors are the 400s and 422s of `/v1/generate`
/// (written in Ollama's shape by the route).
public struct OllamaRequest: Equatable, Sendable {
    /// The endpoint a body came to.
    public enum Endpoint: Equatable, Sendable {
        case generate, chat
    }

    /// The model asked for ("" when the body names none).
    public var model: String
    /// The generation asked for, nil for a request without a prompt (Ollama loads the model and answers at once).
    public var generation: GenerationRequest?

    public init(model: String, generation: GenerationRequest?) {
        self.model = model
        self.generation = generation
    }

    /// `maxTokens` for a story that runs until the model stops or the context is full
    /// (the service bounds it by the model's context before planning it).
    public static let unlimitedTokens = Int(Int32.max)

    /// Reads and checks a body sent to `endpoint`: malformed JSON or invalid UTF-8 is a
    /// 400; the wrong shape, a member of the wrong type or out of range is a 422.
    public static func parse(_ body: [UInt8], endpoint: Endpoint) throws(APIError) -> OllamaRequest {
        let root = try GenerationRequest.document(body)
        guard root.kind == .object else { throw .invalid("the body must be a JSON object") }
        let model = try modelName(root, members: ["model"])
        let prompt: [UInt8]?
        switch endpoint {
        case .generate: prompt = try generatePrompt(root)
        case .chat: prompt = try chatPrompt(root)
        }
        guard let prompt else { return OllamaRequest(model: model, generation: nil) }
        if prompt.contains(0) {
            throw .invalid("the prompt must not contain NUL characters", param: endpoint == .chat ? "messages" : "prompt")
        }
        var request = GenerationRequest(prompt: prompt, stream: true)
        if let value = GenerationRequest.present(root, "stream") {
            request.stream = try GenerationRequest.flag(value, param: "stream")
        }
        if let options = GenerationRequest.present(root, "options") {
            guard options.kind == .object else { throw .invalid("'options' must be an object", param: "options") }
            try read(options, into: &request)
        }
        return OllamaRequest(model: model, generation: request)
    }

    /// The first of `members` that is present in `body` (a JSON object), as a model name;
    /// "" when none is. `POST /api/show` takes `model`, or `name` from older clients.
    public static func modelName(_ body: [UInt8], members: [String]) throws(APIError) -> String {
        let root = try GenerationRequest.document(body)
        guard root.kind == .object else { throw .invalid("the body must be a JSON object") }
        return try modelName(root, members: members)
    }

    private static func modelName(_ root: JSONDocument, members: [String]) throws(APIError) -> String {
        for member in members {
            guard let value = GenerationRequest.present(root, member) else { continue }
            guard let name = value.stringBytes else { throw .invalid("'\(member)' must be a string", param: member) }
            if !name.isEmpty { return String(decoding: name, as: UTF8.self) }
        }
        return ""
    }

    /// `options.seed`, `temperature`, `top_p` and `num_predict` into `request`.
    private static func read(_ options: JSONDocument, into request: inout GenerationRequest) throws(APIError) {
        if let value = GenerationRequest.present(options, "seed") {
            // Ollama's -1 (any negative seed) asks for a random one, as 0 does here.
            if let number = value.integerValue, number < 0 {
                request.seed = nil
            } else {
                request.seed = try GenerationRequest.seed(value, param: "options.seed")
            }
        }
        if let value = GenerationRequest.present(options, "temperature") {
            request.temperature = try GenerationRequest.temperature(value, param: "options.temperature")
        }
        if let value = GenerationRequest.present(options, "top_p") {
            request.topP = try GenerationRequest.topP(value, param: "options.top_p")
        }
        if let value = GenerationRequest.present(options, "num_predict") {
            guard let number = value.integerValue else {
                throw .invalid("'options.num_predict' must be an integer", param: "options.num_predict")
            }
            request.maxTokens = number <= 0 ? unlimitedTokens : Int(min(number, Int64(unlimitedTokens)))
        }
    }

    /// `/api/generate`'s `prompt`; nil when absent or empty.
    private static func generatePrompt(_ root: JSONDocument) throws(APIError) -> [UInt8]? {
        guard let value = GenerationRequest.present(root, "prompt") else { return nil }
        guard let text = value.stringBytes else { throw .invalid("'prompt' must be a string", param: "prompt") }
        return text.isEmpty ? nil : text
    }

    /// `/api/chat`'s prompt: the last user message's content; nil when there are no messages.
    private static func chatPrompt(_ root: JSONDocument) throws(APIError) -> [UInt8]? {
        guard let value = GenerationRequest.present(root, "messages") else { return nil }
        guard value.kind == .array else { throw .invalid("'messages' must be an array", param: "messages") }
        let messages = value.elements
        if messages.isEmpty { return nil }
        var prompt: [UInt8]?
        for message in messages {
            guard message.kind == .object, let role = message.member("role")?.stringBytes else {
                throw .invalid("each message must be an object with a string 'role'", param: "messages")
            }
            guard role.elementsEqual("user".utf8) else { continue }
            guard let content = GenerationRequest.present(message, "content") else {
                prompt = []
                continue
            }
            guard let text = content.stringBytes else {
                throw .invalid("a message's 'content' must be a string", param: "messages")
            }
            prompt = text
        }
        guard let prompt else {
            throw .invalid("'messages' holds no message with role 'user': its content is the story's opening",
                           param: "messages")
        }
        return prompt
    }
}
