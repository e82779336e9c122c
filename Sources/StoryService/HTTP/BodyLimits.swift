import StoryListening

/// The largest request body each route takes: JSON bodies `limits.max_body_bytes`;
/// with listening on, `/v1/listen` a WAV of `listen.max_seconds` and the generation
/// routes that much again as base64 (`"prompt_audio"`).
struct BodyLimits: Equatable, Sendable {
    /// A JSON request's limit.
    let standard: Int
    /// A WAV upload's limit (0 when listening is off).
    let audio: Int

    init(standard: Int, audio: Int) {
        self.standard = standard
        self.audio = audio
    }

    init(config: ServiceConfig) {
        self.init(standard: config.maxBodyBytes, audio: config.listenEnabled ? config.listen.maximumWAVBytes : 0)
    }

    func limit(for route: Route) -> Int {
        switch route {
        case .listen: return max(standard, audio)
        case .generate, .completions: return standard + (audio + 2) / 3 * 4   // base64 of a WAV
        default: return standard
        }
    }
}
