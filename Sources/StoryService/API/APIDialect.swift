/// Which API a generation request came through; it decides the answer's shape.
public enum APIDialect: Equatable, Sendable {
    /// `POST /v1/generate`, this service's own.
    case native
    /// `POST /v1/completions`, the OpenAI (and llama.cpp server) subset.
    case openAICompletions
    /// `POST /api/generate`, Ollama's completion.
    case ollamaGenerate
    /// `POST /api/chat`, Ollama's chat (the story continues the last user message).
    case ollamaChat

    /// How its streams are written: Server-Sent Events, or Ollama's JSON lines.
    var framing: StreamFraming {
        switch self {
        case .native, .openAICompletions: return .serverSentEvents
        case .ollamaGenerate, .ollamaChat: return .jsonLines
        }
    }

    /// True for Ollama's endpoints.
    var isOllama: Bool { framing == .jsonLines }

    /// The Ollama endpoint (meaningful when `isOllama`).
    var ollamaEndpoint: OllamaRequest.Endpoint { self == .ollamaChat ? .chat : .generate }
}
