import Support

/// Speaks a story while it is being generated, sentence by sentence.
///
/// The generating thread hands over text with `append` (any pieces, split anywhere)
/// and never waits: complete sentences go on a queue. A synthesis thread turns each
/// into audio (timed: that is the text-to-speech time) and a playback thread plays it,
/// so the next sentence is synthesized while the current one is heard. If the audio
/// output cannot be opened or fails, the speaker reports one warning and carries on
/// without sound (still synthesizing, so timing and `collectsAudio` keep working).
///
/// `append`, `speak`, `finishSynthesis`, `finish` and `cancel` are for one thread at a
/// time: the generator's, or one that takes over once the generator is done with the
/// speaker (a server answers on another thread than the one generating). The
/// statistics may be read from any thread.
public final class StorySpeaker<Output: AudioOutput>: @unchecked Sendable {
    /// The engine sentences are synthesized with.
    public let engine: SpeechEngine
    /// True if the summary will hold all the audio (`SpeechSummary.audio`).
    public let collectsAudio: Bool

    private let core: SpeakerCore<Output>
    private var splitter = SentenceSplitter()
    private var synthesisThread: JoinableThread?
    private var playbackThread: JoinableThread?
    private var summary: SpeechSummary?
    /// True once the story's text has ended (`finishSynthesis`).
    private var textEnded = false

    /// Starts the speaker's threads.
    /// - Parameters:
    ///   - output: where to play; nil synthesizes without playing.
    ///   - collectsAudio: keep every sample for `SpeechSummary.audio`.
    ///   - maximumQueuedSeconds: audio synthesized ahead of playback before the
    ///     synthesis thread waits (bounds memory; never blocks `append`).
    ///   - warn: receives each warning (at most one about audio, one about synthesis).
    public init(engine: SpeechEngine, output: Output?, collectsAudio: Bool = false,
                maximumQueuedSeconds: Int = 30, warn: @escaping (String) -> Void = SpeechLog.warning) {
        self.engine = engine
        self.collectsAudio = collectsAudio
        let core = SpeakerCore(engine: engine, output: output, collectsAudio: collectsAudio,
                               maximumQueuedSeconds: maximumQueuedSeconds, warn: warn)
        self.core = core
        // The threads hold the core, not the speaker, so the speaker can go away
        // (its deinit cancels and joins them) while they still run.
        synthesisThread = JoinableThread.start { core.synthesisLoop() }
        if synthesisThread == nil {
            core.synthesisCouldNotStart()
            return
        }
        if output != nil {
            playbackThread = JoinableThread.start { core.playbackLoop() }
            if playbackThread == nil { core.playbackCouldNotStart() }
        }
    }

    deinit {
        if summary == nil { cancel() }
    }

    /// Adds streamed story text (UTF-8 bytes, split anywhere); complete sentences
    /// are queued for speaking. Never waits for speech.
    public func append<Bytes: Sequence<UInt8>>(_ piece: Bytes) {
        if summary != nil || textEnded { return }
        let complete = splitter.append(piece)
        if !complete.isEmpty { core.enqueue(complete) }
    }

    /// Adds streamed story text.
    public func append(_ piece: String) {
        append(piece.utf8)
    }

    /// Queues `sentence` whole (no splitting), after the text appended so far.
    public func speak(sentence: String) {
        if summary != nil || textEnded { return }
        var pending = splitter.finish()
        pending.append(sentence)
        core.enqueue(pending)
    }

    /// Ends the story: speaks what is left, waits until it has all been synthesized
    /// and heard, and stops the threads. Later calls return the same summary.
    public func finish() -> SpeechSummary {
        if let summary { return summary }
        let rest = splitter.finish()
        if !rest.isEmpty { core.enqueue(rest) }
        core.endInput()
        return stopThreads()
    }

    /// Ends the story and waits until all of it has been synthesized, but not until
    /// it has been heard: playback goes on, and `finish` (which must still be called,
    /// or `cancel`) waits for it. The summary is final except for `played`, which says
    /// only that playback has not failed so far. With `collectsAudio` the audio is
    /// handed over here, so the summary `finish` returns holds none.
    public func finishSynthesis() -> SpeechSummary {
        if let summary { return summary }
        if !textEnded {
            textEnded = true
            let rest = splitter.finish()
            if !rest.isEmpty { core.enqueue(rest) }
            core.endInput()
        }
        core.waitForSynthesisEnd()
        return core.summary()
    }

    /// Stops at once: drops queued sentences and audio not yet heard, and stops
    /// the threads. Later calls (and `finish`) return the same summary.
    @discardableResult
    public func cancel() -> SpeechSummary {
        if let summary { return summary }
        core.cancel()
        return stopThreads()
    }

    /// Text-to-speech time so far, in nanoseconds (synthesis only, not playback).
    public var synthesisNanoseconds: UInt64 { core.synthesisNanoseconds }

    /// Text-to-speech time so far, in milliseconds.
    public var synthesisMilliseconds: Double { Double(synthesisNanoseconds) / 1_000_000 }

    /// Sentences synthesized so far.
    public var sentencesSpoken: Int { core.sentencesSpoken }

    /// True once `cancel` has been called (readable from any thread).
    public var isCancelled: Bool { core.isCancelled }

    private func stopThreads() -> SpeechSummary {
        synthesisThread?.join()
        playbackThread?.join()
        synthesisThread = nil
        playbackThread = nil
        let result = core.summary()
        summary = result
        return result
    }
}

/// A story speaker playing on ALSA (pass `output: nil` to synthesize only).
public typealias AlsaStorySpeaker = StorySpeaker<AlsaAudioOutput>
