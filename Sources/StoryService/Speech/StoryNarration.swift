import StorySpeech
import Support
import Synchronization

/// One story's speech: the request's prompt and then each piece of generated text
/// go into a `StorySpeaker`, which synthesizes sentence by sentence while the
/// story is generated (and, for `"speak"`, plays them on the device in the
/// story's turn). Every call is safe from any thread: the speaker is used under
/// one lock, which the generating thread holds only to hand over a piece of text.
final class StoryNarration: @unchecked Sendable {
    /// The story is played on the audio device (`"speak": true`).
    let speaksAloud: Bool
    /// The story's audio is kept for the answer (`"audio"`).
    let collectsAudio: Bool

    private let speaker: StorySpeaker<TurnTakingAudioOutput>
    private let output: TurnTakingAudioOutput?
    private let lock = ConditionLock()
    private let cancelFlag: CancelFlag

    /// Shared with the speaker's warning callback, which runs on its threads.
    private final class CancelFlag: @unchecked Sendable {
        let value = Atomic<Bool>(false)
    }

    /// Starts the speaker's threads; with `speaksAloud` it takes the next turn at the device.
    /// - Parameters:
    ///   - warn: receives the speaker's warnings (not those of a cancelled story).
    init(engine: SpeechEngine, speaksAloud: Bool, collectsAudio: Bool, audioDevice: String, turns: AudioTurns,
         maximumQueuedSeconds: Int, warn: @escaping (String) -> Void) {
        self.speaksAloud = speaksAloud
        self.collectsAudio = collectsAudio
        let output = speaksAloud ? TurnTakingAudioOutput(device: audioDevice, turns: turns) : nil
        let flag = CancelFlag()
        self.output = output
        self.cancelFlag = flag
        speaker = StorySpeaker(engine: engine, output: output, collectsAudio: collectsAudio,
                               maximumQueuedSeconds: maximumQueuedSeconds,
                               warn: { message in
                                   // A cancelled story's playback ends in an error by design: not worth a warning.
                                   if !flag.value.load(ordering: .relaxed) { warn(message) }
                               })
    }

    /// True once `cancel` has been called.
    var isCancelled: Bool { cancelFlag.value.load(ordering: .relaxed) }

    /// Adds story text (UTF-8, split anywhere). Never waits for speech.
    func append(_ piece: [UInt8]) {
        if piece.isEmpty { return }
        lock.withLock { speaker.append(piece) }
    }

    /// Ends the story's text and waits until it has all been synthesized; playback
    /// goes on (`finishPlayback` waits for it). Holds the audio with `collectsAudio`.
    func finishSynthesis() -> SpeechSummary {
        lock.withLock { speaker.finishSynthesis() }
    }

    /// Waits until the story has been heard (or its playback failed or was cancelled).
    func finishPlayback() -> SpeechSummary {
        let summary = lock.withLock { speaker.finish() }
        output?.releaseTurn()
        return summary
    }

    /// Stops at once: the rest is neither synthesized nor played, and the turn at the
    /// device passes on. Returns what was done until then.
    @discardableResult
    func cancel() -> SpeechSummary {
        cancelFlag.value.store(true, ordering: .relaxed)
        // First make the playback thread give up (a thread in `finishPlayback` holds the
        // lock until it has), then stop the speaker.
        output?.abandon()
        let summary = lock.withLock { speaker.cancel() }
        output?.releaseTurn()
        return summary
    }
}
