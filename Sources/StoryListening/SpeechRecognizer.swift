import CPocketSphinx
import CPosix
import Support

/// pocketsphinx, decoding story requests with the grammar of `ListenSettings`: one
/// decoder per process, opened at the first request (it takes ~10 MB and a moment to
/// load, which `run` and `bench` never pay), used by one request at a time.
public final class SpeechRecognizer: @unchecked Sendable {
    public let settings: ListenSettings
    public let grammar: StoryGrammar
    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var decoder: OpaquePointer?

    /// Checks the settings and reads the grammar's categories; the decoder itself is
    /// loaded by `load` or the first `recognize`.
    public init(settings: ListenSettings) throws(ListenError) {
        try settings.validate()
        self.settings = settings
        if let reason = babyllama_pocketsphinx_unavailable_reason() {
            throw .unavailable(String(cString: reason))
        }
        grammar = try StoryGrammar(path: settings.grammarPath)
    }

    deinit {
        if let decoder { babyllama_listener_close(decoder) }
    }

    /// Loads the decoder now (the service does at start, so that a broken model or
    /// grammar shows in the log and the first child does not wait).
    public func load() throws(ListenError) {
        try lock.withLock { () throws(ListenError) in _ = try openedDecoder() }
    }

    /// Recognizes one request.
    public func recognize(_ audio: RecordedAudio) throws(ListenError) -> Recognition {
        if audio.samples.isEmpty { throw .emptyAudio }
        if audio.seconds > Double(settings.maximumSeconds) {
            throw .audioTooLong(seconds: audio.seconds, limit: settings.maximumSeconds)
        }
        let (text, confidence, nanoseconds) = try lock.withLock { () throws(ListenError) -> (String, Double, UInt64) in
            let decoder = try openedDecoder()
            var text = [CChar](repeating: 0, count: 1024)
            var error = [CChar](repeating: 0, count: 512)
            var confidence = 0.0
            let started = shim_monotonic_ns()
            let status = audio.samples.withUnsafeBufferPointer { samples in
                babyllama_listener_decode(decoder, samples.baseAddress, samples.count, &text, text.count, &confidence,
                                          &error, error.count)
            }
            let elapsed = shim_monotonic_ns() - started
            if status != 0 { throw .decodingFailed(SpeechRecognizer.text(error)) }
            return (SpeechRecognizer.text(text), confidence, elapsed)
        }
        let request = StoryRequest(heard: text, grammar: grammar)
        let understood = request.isUnderstood && confidence >= settings.confidenceThreshold
        return Recognition(text: text, confidence: confidence, request: request, understood: understood,
                           sttMilliseconds: Double(nanoseconds) / 1e6, audioSeconds: audio.seconds)
    }

    /// The decoder, opened on the first call. Call with `lock` held.
    private func openedDecoder() throws(ListenError) -> OpaquePointer {
        if let decoder { return decoder }
        var error = [CChar](repeating: 0, count: 512)
        let arguments = settings.decoderArgumentsPath
        let hasArguments = arguments.withCString { access($0, F_OK) } == 0
        let opened = settings.acousticModel.withCString { model in
            settings.grammarPath.withCString { grammar in
                settings.dictionaryPath.withCString { dictionary in
                    arguments.withCString { argumentsPath in
                        babyllama_listener_open(model, grammar, dictionary, hasArguments ? argumentsPath : nil,
                                                &error, error.count)
                    }
                }
            }
        }
        guard let opened else { throw .unavailable(SpeechRecognizer.text(error)) }
        decoder = opened
        return opened
    }

    /// The NUL-terminated text a C call wrote into `buffer`.
    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
