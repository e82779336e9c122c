/// The JSON an error answer is written in, decided by the route its client called.
public enum APIErrorShape: Equatable, Sendable {
    /// `{"error": {"code", "type", "message"}}`: this API's own, OpenAI's and llama.cpp's.
    case object
    /// `{"error": "message"}`: Ollama's, which its clients (the `ollama` Python library,
    /// Home Assistant, Open WebUI) read as the message to show. Ollama has no 422: a
    /// request it cannot take is a 400.
    case ollama
}
