import StorySpeech
import Synchronization

/// An ALSA output that waits for its story's turn at the device (`AudioTurns`)
/// before opening it, and gives the turn up when it closes. It takes its ticket
/// when made, so stories are heard in the order their requests arrived.
/// `abandon` makes a waiting `open` or the next `write` fail, which ends the
/// story's playback at once (cancelled requests, shutdown).
final class TurnTakingAudioOutput: AudioOutput, @unchecked Sendable {
    private let device: AlsaAudioOutput
    private let turns: AudioTurns
    private let ticket: Int
    private let abandoned = Atomic<Bool>(false)
    private let turnReleased = Atomic<Bool>(false)

    init(device: String, turns: AudioTurns) {
        self.device = AlsaAudioOutput(device: device)
        self.turns = turns
        self.ticket = turns.take()
    }

    deinit { releaseTurn() }

    func open(sampleRate: Int) throws(SpeechError) {
        if !turns.wait(for: ticket, abandoned: { abandoned.load(ordering: .relaxed) }) {
            releaseTurn()
            throw .audioDeviceUnavailable(device: device.device, reason: "speech cancelled")
        }
        do {
            try device.open(sampleRate: sampleRate)
        } catch {
            releaseTurn()   // the speaker does not close an output that failed to open
            throw error
        }
    }

    func write(_ samples: UnsafeBufferPointer<Int16>) throws(SpeechError) {
        if abandoned.load(ordering: .relaxed) {
            throw .audioWriteFailed(device: device.device, reason: "speech cancelled")
        }
        try device.write(samples)
    }

    func drain() { device.drain() }

    func discard() { device.discard() }

    func close() {
        device.close()
        releaseTurn()
    }

    /// Stops waiting for the turn, and playing: the story is not to be heard (any thread).
    func abandon() {
        abandoned.store(true, ordering: .relaxed)
        turns.wake()
    }

    /// Gives the turn back, once (later calls do nothing).
    func releaseTurn() {
        if !turnReleased.exchange(true, ordering: .acquiringAndReleasing) { turns.release(ticket) }
    }
}
