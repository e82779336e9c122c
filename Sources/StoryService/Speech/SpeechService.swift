import CPosix
import StorySpeech
import Support

/// The service's speech: the one espeak-ng engine, made at start-up; the stories'
/// turns at the audio device; the thread that waits for spoken stories to be
/// heard after their answers have gone; and `GET /v1/speak`.
///
/// espeak-ng keeps global state and is not thread-safe; StorySpeech funnels every
/// call into it through one lock, so the engine is shared by all requests (they
/// take turns synthesizing). When speech is off in the configuration or espeak-ng
/// cannot start, the server runs without it and every request for speech is
/// answered 501 with the reason.
final class SpeechService: @unchecked Sendable {
    /// How far (in seconds of audio) a story's synthesis may run ahead of its playback.
    /// The answer waits for synthesis, so this is generous: a whole story while an
    /// earlier one is still being heard (about 2.6 MB a minute).
    static let maximumQueuedSeconds = 300

    let settings: SpeechSettings
    /// The engine; nil when speech is off or did not start.
    let engine: SpeechEngine?
    /// Why there is no engine.
    private let unavailableReason: String
    /// Why no audio can be played at all (speech still works: see `resolvingPlayback`).
    private let playbackUnavailableReason: String?
    private let metrics: Metrics
    private let turns = AudioTurns()
    /// `/v1/speak` requests synthesized at once, at most (the rest get 503).
    private let maximumSpeakRequests: Int
    private let retryAfterSeconds: Int

    private let lock = ConditionLock()
    // Guarded by `lock`.
    /// Answered stories still being heard, oldest first.
    private var playing: [StoryNarration] = []
    /// The story the playback thread is waiting on.
    private var current: StoryNarration?
    private var stopping = false
    private var thread: JoinableThread?
    private var speakRequests = 0
    /// The last warning logged; the same one is not logged again until a story is heard
    /// (a robot without a speaker would otherwise say so on every story).
    private var lastWarning: String?

    /// Starts espeak-ng if the configuration turns speech on. Call before other
    /// threads are busy: espeak-ng's start sets the process's locale.
    init(config: ServiceConfig, metrics: Metrics) {
        settings = config.speech
        self.metrics = metrics
        // Each answer holds at most one piece of speech at a time: the memory bound sets how many run at once.
        let sampleRate = 22_050   // espeak-ng's, whatever the voice
        maximumSpeakRequests = max(1, min(config.queueSize + 1,
                                          config.speechAudioBytes / SpeechStream.bytesHeld(sampleRate: sampleRate)))
        retryAfterSeconds = config.retryAfterSeconds
        if !config.speech.enabled {
            engine = nil
            playbackUnavailableReason = nil
            unavailableReason = "speech is turned off in this server's configuration (speech.enabled is false)"
            Log.line("babyllama: speech is off (speech.enabled is false); requests for speech are answered 501")
            return
        }
        do {
            let started = shim_monotonic_ns()
            let engine = try SpeechEngine(settings: config.speech)
            self.engine = engine
            unavailableReason = ""
            playbackUnavailableReason = AlsaAudioOutput.playbackImpossibleReason(device: settings.audioDevice)
            Log.line("babyllama: speech: espeak-ng voice \(settings.voice), \(settings.rate) words/min, volume \(settings.volume), "
                     + "audio device '\(settings.audioDevice)', \(engine.sampleRate) Hz, data \(engine.dataPath) "
                     + "(started in \(FixedDecimal.format(milliseconds(shim_monotonic_ns() - started), decimals: 1)) ms)")
            if let playbackUnavailableReason {
                Log.line("babyllama: speech: no audio playback (\(playbackUnavailableReason)); "
                         + "\"speak\" stories are answered with their speech as WAV instead")
            }
        } catch {
            engine = nil
            playbackUnavailableReason = nil
            unavailableReason = "speech is not available on this server: \(error.message)"
            Log.line("babyllama: warning: \(unavailableReason); requests for speech are answered 501")
        }
    }

    /// `"speak"` on a server that can play nothing (libasound cannot be loaded, or the
    /// device is the default or a card and there is no sound card, as on a Duo 64M):
    /// the story's speech comes back in the answer as WAV instead, so the client can
    /// play it.
    func resolvingPlayback(_ request: GenerationRequest) -> GenerationRequest {
        guard request.speak, playbackUnavailableReason != nil else { return request }
        var resolved = request
        resolved.speak = false
        resolved.audio = resolved.audio ?? .wav
        return resolved
    }

    /// True when speech can be asked for.
    var isAvailable: Bool { engine != nil }

    /// Starts the thread that waits for stories to be heard (when speech is available).
    func start() throws(ServiceError) {
        guard engine != nil else { return }
        // The thread holds the service until its loop ends (at shutdown).
        guard let playback = JoinableThread.start({ [self] in playbackLoop() }) else {
            throw .system("cannot start the speech playback thread")
        }
        lock.withLock { thread = playback }
    }

    /// Stops every story still being spoken and the playback thread.
    func shutdown() {
        let (stories, playback): ([StoryNarration], JoinableThread?) = lock.withLock {
            stopping = true
            var stories = playing
            if let current { stories.append(current) }
            let playback = thread
            thread = nil
            return (stories, playback)
        }
        lock.broadcast()
        for story in stories { story.cancel() }
        playback?.join()
    }

    /// The 501 answer for a request that asks for speech while there is none.
    func refusal(param: String?) -> APIError {
        var message = unavailableReason
        if let param { message += "; '\(param)' must be absent or \(param == "audio" ? "null" : "false")" }
        return .notImplemented(message, param: param)
    }

    // MARK: Stories

    /// The speech of a story about to be generated, its prompt already handed over;
    /// nil when speech is not available (answer `refusal`).
    func narration(for request: GenerationRequest) -> StoryNarration? {
        guard let engine, request.wantsSpeech else { return nil }
        let narration = StoryNarration(engine: engine, speaksAloud: request.speak, collectsAudio: request.audio != nil,
                                       audioDevice: settings.audioDevice, turns: turns,
                                       maximumQueuedSeconds: SpeechService.maximumQueuedSeconds,
                                       warn: { [self] message in warn(message) })
        // The story is spoken whole, prompt included, as `babyllama run --speak` speaks it.
        narration.append(request.prompt)
        return narration
    }

    /// The story's generation completed: waits until its speech has been synthesized
    /// and counts it. A story spoken aloud is then left to play (its answer does not
    /// wait for that); the playback thread sees it through.
    func complete(_ narration: StoryNarration) -> SpeechSummary {
        let summary = narration.finishSynthesis()
        record(summary, request: true)
        if narration.speaksAloud {
            let accepted: Bool = lock.withLock {
                if stopping { return false }
                playing.append(narration)
                return true
            }
            if accepted { lock.broadcast() } else { narration.cancel() }
        } else {
            _ = narration.finishPlayback()   // nothing to play: this only stops its thread
        }
        return summary
    }

    /// The story will not be answered (its client left, it failed, the server is stopping): silence it.
    func abandon(_ narration: StoryNarration) {
        record(narration.cancel(), request: false)
    }

    private func record(_ summary: SpeechSummary, request: Bool) {
        metrics.recordSpeech(synthesisNanoseconds: summary.synthesisNanoseconds, sentences: summary.sentenceCount,
                             failedSentences: summary.failedSentenceCount, samples: summary.sampleCount,
                             sampleRate: summary.sampleRate, request: request)
    }

    /// Logs a speaker's warning, unless it is the one logged last and no story has been heard since.
    private func warn(_ message: String) {
        let fresh: Bool = lock.withLock {
            if let lastWarning, lastWarning.utf8.elementsEqual(message.utf8) { return false }
            lastWarning = message
            return true
        }
        if fresh { Log.line("babyllama: warning: \(message)") }
    }

    /// Waits for each answered story to be heard, in order.
    private func playbackLoop() {
        while true {
            let next: StoryNarration? = lock.withLock {
                while playing.isEmpty && !stopping { lock.wait() }
                if playing.isEmpty { return nil }
                let story = playing.removeFirst()
                current = story
                return story
            }
            guard let story = next else { return }
            let summary = story.finishPlayback()
            if summary.played { lock.withLock { lastWarning = nil } }
            if !story.isCancelled { metrics.recordPlayback(played: summary.played) }
            lock.withLock { current = nil }
        }
    }

    // MARK: GET /v1/speak

    /// Answers the query's `text` as a WAV file sent as it is synthesized
    /// (`SpeechStream`), with the first piece's synthesis time in `X-TTS-Ms`. At most
    /// `maximumSpeakRequests` are sent at once (the rest get 503), so the samples they
    /// hold stay within `speech.max_audio_bytes`.
    func speak(_ request: RequestContext) -> HTTPAnswer {
        guard let engine else { return .error(refusal(param: nil)) }
        let parsed: SpeakRequest
        do {
            parsed = try SpeakRequest.parse(request.query, maximumTextBytes: settings.maximumTextBytes)
        } catch {
            return .error(error)
        }
        let admitted: Bool = lock.withLock {
            if speakRequests >= maximumSpeakRequests { return false }
            speakRequests += 1
            return true
        }
        if !admitted {
            return .error(.unavailable("the speech synthesizer is busy: \(maximumSpeakRequests) texts are being spoken; try again later",
                                       retryAfterSeconds: retryAfterSeconds))
        }
        let voice: SpeechEngine
        if parsed.changesSettings {
            var custom = engine.settings
            if let name = parsed.voice { custom.voice = name }
            if let rate = parsed.rate { custom.rate = rate }
            if let volume = parsed.volume { custom.volume = volume }
            custom.dataPath = engine.dataPath
            do {
                voice = try SpeechEngine(settings: custom)
            } catch {
                lock.withLock { speakRequests -= 1 }
                return .error(SpeechService.apiError(error))
            }
        } else {
            voice = engine
        }
        let stream: SpeechStream
        do {
            stream = try SpeechStream(voice: voice, text: parsed.text) { [self] summary in
                metrics.recordSpeech(synthesisNanoseconds: summary.synthesisNanoseconds, sentences: summary.pieces,
                                     failedSentences: summary.failedPieces, samples: summary.samples,
                                     sampleRate: voice.sampleRate, request: true)
                lock.withLock { speakRequests -= 1 }
            }
        } catch {
            lock.withLock { speakRequests -= 1 }
            return .error(SpeechService.apiError(error))
        }
        // The first piece's synthesis time: how long the client waited for sound. The
        // whole text's is in the metrics once it has been sent.
        let milliseconds = FixedDecimal.format(Double(stream.firstPieceNanoseconds) / 1_000_000, decimals: 3)
        return .speech(stream, headers: [("X-TTS-Ms", milliseconds)])
    }

    /// The answer for a speech error caused by the request (422 naming the parameter) or not (500).
    static func apiError(_ error: SpeechError) -> APIError {
        switch error {
        case .emptyText:
            return .invalid("'text' has nothing to speak (only spaces or punctuation)", param: "text")
        case .textTooLong:
            return .invalid("'text': \(error.message)", param: "text")
        case .unknownVoice, .invalidVoiceName:
            return .invalid(error.message, param: "voice")
        case .invalidRate:
            return .invalid(error.message, param: "rate")
        case .invalidVolume:
            return .invalid(error.message, param: "volume")
        default:
            return .server(error.message)
        }
    }
}
