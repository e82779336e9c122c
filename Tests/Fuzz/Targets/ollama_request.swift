// POST /api/generate and /api/chat bodies (Ollama's API): any bytes are a request or a
// 400/422 with the JSON error shape; an accepted one keeps /v1/generate's bounds.
@testable import StoryService

func fuzz(_ input: [UInt8]) {
    for endpoint in [OllamaRequest.Endpoint.generate, .chat] {
        let parsed: OllamaRequest
        do {
            parsed = try OllamaRequest.parse(input, endpoint: endpoint)
        } catch {
            expectErrorShape(error, statuses: [400, 422], context: "parse \(endpoint)")
            continue
        }
        guard let request = parsed.generation else { continue }
        expect(!request.prompt.contains(0), "a prompt with NUL was accepted")
        expect(request.temperature >= 0 && request.temperature.isFinite, "temperature \(request.temperature)")
        expect(request.topP > 0 && request.topP <= 1, "top_p \(request.topP)")
        expect(request.maxTokens.map { $0 >= 1 } ?? true, "max_tokens \(String(describing: request.maxTokens))")
    }
}
