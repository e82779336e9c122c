import Support
import StoryListening

/// The service's ears: one pocketsphinx decoder, loaded at start when the
/// configuration turns listening on, for `POST /v1/listen` and `"prompt_audio"`.
/// Requests take turns at the decoder; while `maximumWaiting` are already waiting,
/// more are answered 503. Without listening every such request is answered 501
/// with the reason.
final class ListenService: @unchecked Sendable {
    private let recognizer: SpeechRecognizer?
    private let unavailableReason: String
    private let metrics: Metrics
    private let settings: ListenSettings
    private let maximumWaiting: Int
    private let retryAfterSeconds: Int
    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var admitted = 0

    init(config: ServiceConfig, metrics: Metrics) {
        self.metrics = metrics
        settings = config.listen
        maximumWaiting = config.queueSize + 1
        retryAfterSeconds = config.retryAfterSeconds
        guard config.listenEnabled else {
            recognizer = nil
            unavailableReason = "listening is turned off in this server's configuration (listen.enabled is false)"
            return
        }
        do {
            let recognizer = try SpeechRecognizer(settings: config.listen)
            try recognizer.load()
            self.recognizer = recognizer
            unavailableReason = ""
            Log.line("babyllama: listening: pocketsphinx with \(config.listen.grammarPath) "
                     + "(\(recognizer.grammar.phrases.count) words and phrases understood), acoustic model "
                     + "\(config.listen.acousticModel), confidence threshold "
                     + "\(FixedDecimal.format(config.listen.confidenceThreshold, decimals: 2)), at most \(config.listen.maximumSeconds) s")
        } catch {
            recognizer = nil
            unavailableReason = error.message
            Log.line("babyllama: warning: \(error.message); /v1/listen and prompt_audio are answered 501")
        }
    }

    var isAvailable: Bool { recognizer != nil }

    /// `POST /v1/listen`: a WAV body → `{text, understood, confidence, request, stt_ms, audio_ms}`.
    func listen(_ request: RequestContext) -> HTTPAnswer {
        if let contentType = request.contentType, !ListenService.isWAV(contentType) {
            let shown = String(decoding: contentType.prefix(80).map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: "?") },
                               as: UTF8.self)
            return .error(APIError(status: 415, type: "invalid_request_error",
                                   message: "the body must be a WAV file (Content-Type: audio/wav), not '\(shown)'"))
        }
        do {
            let recognition = try recognize(request.body, param: nil)
            request.body = []
            return .json(200, recognition.json)
        } catch {
            return .error(error)
        }
    }

    /// Hears a WAV file's bytes; errors are answers (`param` names the request member they came in).
    func recognize(_ wav: [UInt8], param: String?) throws(APIError) -> Recognition {
        guard let recognizer else { throw .notImplemented(unavailableReason, param: param) }
        let admittedNow: Bool = lock.withLock {
            if admitted >= maximumWaiting { return false }
            admitted += 1
            return true
        }
        if !admittedNow {
            throw .unavailable("the recognizer is busy with \(maximumWaiting) requests; try again", retryAfterSeconds: retryAfterSeconds)
        }
        defer { lock.withLock { admitted -= 1 } }
        do {
            let audio = try RecordedAudio.fromWAV(wav, maximumSeconds: settings.maximumSeconds)
            let recognition = try recognizer.recognize(audio)
            metrics.recordRecognition(understood: recognition.understood, milliseconds: recognition.sttMilliseconds,
                                      audioSeconds: recognition.audioSeconds)
            Log.line("babyllama: heard \"\(recognition.text)\" (confidence "
                     + "\(FixedDecimal.format(recognition.confidence, decimals: 2)), "
                     + (recognition.understood ? "understood" : "not understood: the story starts generically") + ", "
                     + "stt \(FixedDecimal.format(recognition.sttMilliseconds, decimals: 1)) ms)")
            return recognition
        } catch {
            metrics.recordRecognitionFailure()
            throw APIError(status: error.httpStatus, type: error.httpStatus >= 500 ? "server_error" : "invalid_request_error",
                           message: error.message, param: param)
        }
    }

    /// audio/wav and its aliases (parameters after ';' are ignored).
    static func isWAV(_ contentType: [UInt8]) -> Bool {
        let type = contentType.prefix { $0 != UInt8(ascii: ";") }
            .filter { $0 != 0x20 && $0 != 0x09 }
            .map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }
        return ["audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"].contains { $0.utf8.elementsEqual(type) }
    }
}
