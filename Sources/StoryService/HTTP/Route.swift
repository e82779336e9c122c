/// The endpoints the service answers, and the label each has in the metrics.
enum Route: Int, Equatable, Sendable {
    case generate, completions, healthz, health, model, models, metrics, speak
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
        case .unknown: return "other"
        }
    }

    /// The one method the route takes (GET routes also answer HEAD).
    var method: String {
        switch self {
        case .generate, .completions: return "POST"
        default: return "GET"
        }
    }

    static let all: [Route] = [.generate, .completions, .healthz, .health, .model, .models, .metrics, .speak]

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
    var allowHeader: String { self == .generate || self == .completions ? "POST" : "GET, HEAD" }
}
