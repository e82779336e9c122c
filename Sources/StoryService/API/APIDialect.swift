/// Which API a generation request came through; it decides the answer's shape.
public enum APIDialect: Equatable, Sendable {
    /// `POST /v1/generate`, this service's own.
    case native
    /// `POST /v1/completions`, the OpenAI (and llama.cpp server) subset.
    case openAICompletions
}
