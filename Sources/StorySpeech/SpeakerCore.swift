import Support

/// The state a `StorySpeaker`'s generator, synthesis and playback threads share,
/// under one lock, and the two threads' loops.
final class SpeakerCore<Output: AudioOutput>: @unchecked Sendable {
    private let engine: SpeechEngine
    private let output: Output?
    private let collectsAudio: Bool
    private let warn: (String) -> Void
    private let maximumQueuedSamples: Int
    /// Samples handed to the output at a time, so a cancel is heard within ~0.1 s.
    private let writeSlice: Int

    private let lock = ConditionLock()
    private var sentences: [String] = []
    private var sentenceHead = 0
    private var inputEnded = false
    private var cancelled = false
    private var synthesisEnded = false
    private var chunks: [[Int16]] = []
    private var chunkHead = 0
    private var queuedSamples = 0
    private var playbackWorking: Bool
    private var spokenSentences = 0
    private var failedSentences = 0
    private var ttsNanoseconds: UInt64 = 0
    private var audioSamples = 0
    private var collected: [Int16] = []
    private var warnings: [String] = []
    private var audioWarningGiven = false
    private var synthesisWarningGiven = false

    init(engine: SpeechEngine, output: Output?, collectsAudio: Bool, maximumQueuedSeconds: Int,
         warn: @escaping (String) -> Void) {
        self.engine = engine
        self.output = output
        self.collectsAudio = collectsAudio
        self.warn = warn
        self.maximumQueuedSamples = max(1, maximumQueuedSeconds) * engine.sampleRate
        self.writeSlice = max(1, engine.sampleRate / 10)
        self.playbackWorking = output != nil
    }

    // MARK: - Called by the speaker (the generator's thread)

    func enqueue(_ complete: [String]) {
        lock.withLock {
            if cancelled || inputEnded { return }
            sentences.append(contentsOf: complete)
            lock.broadcast()
        }
    }

    func endInput() {
        lock.withLock {
            inputEnded = true
            lock.broadcast()
        }
    }

    func cancel() {
        lock.withLock {
            cancelled = true
            inputEnded = true
            sentences.removeAll()
            sentenceHead = 0
            lock.broadcast()
        }
    }

    func synthesisCouldNotStart() {
        lock.withLock {
            synthesisEnded = true
            playbackWorking = false
        }
        report(audio: false, "cannot start the speech thread; the story is not spoken")
    }

    func playbackCouldNotStart() {
        stopPlayback()
        report(audio: true, "cannot start the audio thread; the story is not spoken aloud")
    }

    /// Waits until the synthesis thread has ended: every sentence queued before
    /// `endInput` has been synthesized (or speech was cancelled).
    func waitForSynthesisEnd() {
        lock.lock()
        while !synthesisEnded { lock.wait() }
        lock.unlock()
    }

    var synthesisNanoseconds: UInt64 { lock.withLock { ttsNanoseconds } }

    var sentencesSpoken: Int { lock.withLock { spokenSentences } }

    /// The totals (final once both threads have ended). The collected audio is
    /// handed over: a later summary holds only what was synthesized after this one.
    func summary() -> SpeechSummary {
        lock.withLock {
            let audio = collectsAudio
                ? SpeechAudio(samples: collected, sampleRate: engine.sampleRate, synthesisNanoseconds: ttsNanoseconds)
                : nil
            collected = []
            return SpeechSummary(
                sentenceCount: spokenSentences, failedSentenceCount: failedSentences,
                synthesisNanoseconds: ttsNanoseconds, sampleCount: audioSamples, sampleRate: engine.sampleRate,
                played: playbackWorking && !cancelled, warnings: warnings, audio: audio)
        }
    }

    // MARK: - Synthesis thread

    /// Takes sentences off the queue and synthesizes them, one at a time.
    func synthesisLoop() {
        while true {
            lock.lock()
            while sentenceHead == sentences.count && !inputEnded && !cancelled { lock.wait() }
            if cancelled || sentenceHead == sentences.count {
                synthesisEnded = true
                lock.broadcast()
                lock.unlock()
                return
            }
            let sentence = sentences[sentenceHead]
            sentenceHead += 1
            if sentenceHead == sentences.count {
                sentences.removeAll(keepingCapacity: true)
                sentenceHead = 0
            }
            lock.unlock()

            let audio: SpeechAudio
            do {
                audio = try engine.synthesize(utf8: Array(sentence.utf8), shouldStop: { self.isCancelled })
            } catch {
                lock.withLock { failedSentences += 1 }
                report(audio: false, "cannot speak a sentence: \(error.message)")
                continue
            }

            lock.lock()
            ttsNanoseconds += audio.synthesisNanoseconds
            spokenSentences += 1
            audioSamples += audio.samples.count
            if collectsAudio { collected.append(contentsOf: audio.samples) }
            // Wait while far ahead of the speaker: memory stays bounded, and the
            // generator, which never takes this wait, is not slowed.
            while playbackWorking && !cancelled && queuedSamples > maximumQueuedSamples { lock.wait() }
            if playbackWorking && !cancelled {
                chunks.append(audio.samples)
                queuedSamples += audio.samples.count
                lock.broadcast()
            }
            lock.unlock()
        }
    }

    var isCancelled: Bool { lock.withLock { cancelled } }

    // MARK: - Playback thread

    /// Opens the output and plays synthesized audio in order until synthesis ends.
    func playbackLoop() {
        guard let output else { return }
        do {
            try output.open(sampleRate: engine.sampleRate)
        } catch {
            stopPlayback()
            report(audio: true, "\(error.message); the story is not spoken aloud")
            return
        }
        while true {
            lock.lock()
            while chunkHead == chunks.count && !synthesisEnded && !cancelled { lock.wait() }
            if cancelled {
                lock.unlock()
                output.discard()
                output.close()
                return
            }
            if chunkHead == chunks.count {   // synthesis has ended and everything was played
                lock.unlock()
                output.drain()
                output.close()
                return
            }
            let chunk = chunks[chunkHead]
            chunks[chunkHead] = []
            chunkHead += 1
            if chunkHead == chunks.count {
                chunks.removeAll(keepingCapacity: true)
                chunkHead = 0
            }
            lock.unlock()

            if let failure = play(chunk, on: output) {
                output.discard()
                output.close()
                stopPlayback()
                report(audio: true, "\(failure.message); the rest of the story is not spoken aloud")
                return
            }
            lock.withLock {
                queuedSamples -= chunk.count
                lock.broadcast()
            }
        }
    }

    /// Writes `chunk` in slices, stopping early on cancel; returns the output's error.
    private func play(_ chunk: [Int16], on output: Output) -> SpeechError? {
        chunk.withUnsafeBufferPointer { samples -> SpeechError? in
            var offset = 0
            while offset < samples.count {
                if isCancelled { return nil }
                let end = min(samples.count, offset + writeSlice)
                do throws(SpeechError) {
                    try output.write(UnsafeBufferPointer(rebasing: samples[offset..<end]))
                } catch {
                    return error
                }
                offset = end
            }
            return nil
        }
    }

    /// Gives up on playback: drops queued audio and wakes a waiting synthesis thread.
    private func stopPlayback() {
        lock.withLock {
            playbackWorking = false
            chunks.removeAll()
            chunkHead = 0
            queuedSamples = 0
            lock.broadcast()
        }
    }

    /// Passes a warning on, at most once for audio problems and once for synthesis.
    private func report(audio: Bool, _ message: String) {
        let first = lock.withLock { () -> Bool in
            if audio {
                if audioWarningGiven { return false }
                audioWarningGiven = true
            } else {
                if synthesisWarningGiven { return false }
                synthesisWarningGiven = true
            }
            warnings.append(message)
            return true
        }
        if first { warn(message) }
    }
}
