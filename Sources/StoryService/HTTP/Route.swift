/// The endpoints the service answers, and the label each has in the metrics.
enum Route: Int, Equatable, Sendable {
    case generate, completions, healthz, health, model, models, metrics, speak, listen
    /// Ollama's API (`/api/...`), for clients that speak it (Home Assistant, Open WebUI).
    case ollamaGenerate, ollamaChat, ollamaTags, ollamaShow, ollamaVersion
    /// Any path that is not an endpoint (404s), so metrics labels stay few.
    case unknown

    /// The path as it appears in metrics and logs.
    var label: String {
        switch self {
        case .generate: return "/v1/generate"
        case .completions: return "/v1/completions"
        case .healthz: return "/healthz"
        case .health: return "/health"
        case .model: return "/v1/model"
        case .models: return "/v1/models"
        case .metrics: return "/metrics"
        case .speak: return "/v1/speak"
        case .listen: return "/v1/listen"
        case .ollamaGenerate: return "/api/generate"
        case .ollamaChat: return "/api/chat"
        case .ollamaTags: return "/api/tags"
        case .ollamaShow: return "/api/show"
        case .ollamaVersion: return "/api/version"
        case .unknown: return "other"
        }
    }

    /// The one method the route takes (GET routes also answer HEAD).
    var method: String {
        switch self {
        case .generate, .completions, .listen, .ollamaGenerate, .ollamaChat, .ollamaShow: return "POST"
        default: return "GET"
        }
    }

    static let all: [Route] = [.generate, .completions, .healthz, .health, .model, .models, .metrics, .speak, .listen,
                               .ollamaGenerate, .ollamaChat, .ollamaTags, .ollamaShow, .ollamaVersion]

    /// The route for a request path (compared as bytes: no Unicode tables needed).
    init(path: [UInt8]) {
        for route in Route.all where route.label.utf8.elementsEqual(path) {
            self = route
            return
        }
        self = .unknown
    }

    /// Whether `method` is allowed here.
    func allows(_ method: [UInt8]) -> Bool {
        if self.method.utf8.elementsEqual(method) { return true }
        return self.method.utf8.elementsEqual("GET".utf8) && method.elementsEqual("HEAD".utf8)
    }

    /// The Allow header for a 405.
    var allowHeader: String { method == "POST" ? "POST" : "GET, HEAD" }

    /// The shape its error answers take: Ollama's clients read `{"error": "message"}`.
    var errorShape: APIErrorShape {
        switch self {
        case .ollamaGenerate, .ollamaChat, .ollamaTags, .ollamaShow, .ollamaVersion: return .ollama
        default: return .object
        }
    }
}
