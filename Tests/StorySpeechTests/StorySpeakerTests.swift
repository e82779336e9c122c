import Foundation
import StorySpeech
import TestSupport
import XCTest

/// An audio output that records what it is asked to play, and can be told to fail
/// or to hold every write until released.
final class RecordingOutput: AudioOutput, @unchecked Sendable {
    private let lock = NSCondition()
    private var recorded: [Int16] = []
    private var log: [String] = []
    private var writes = 0
    private var released: Bool
    var failOpen = false
    var failAfterWrites: Int?
    /// Fulfilled on the first write.
    let firstWrite = XCTestExpectation(description: "audio reached the output")

    init(holdWrites: Bool = false) {
        released = !holdWrites
    }

    func open(sampleRate: Int) throws(SpeechError) {
        lock.withLock { log.append("open \(sampleRate)") }
        if failOpen { throw .audioDeviceUnavailable(device: "test", reason: "unplugged") }
    }

    func write(_ samples: UnsafeBufferPointer<Int16>) throws(SpeechError) {
        lock.lock()
        defer { lock.unlock() }
        if let failAfterWrites, writes >= failAfterWrites {
            throw .audioWriteFailed(device: "test", reason: "cable pulled")
        }
        writes += 1
        if writes == 1 { firstWrite.fulfill() }
        while !released { lock.wait() }
        recorded.append(contentsOf: samples)
    }

    func drain() { lock.withLock { log.append("drain") } }
    func discard() { lock.withLock { log.append("discard") } }
    func close() { lock.withLock { log.append("close") } }

    /// Lets held writes through.
    func release() {
        lock.withLock {
            released = true
            lock.broadcast()
        }
    }

    var samples: [Int16] { lock.withLock { recorded } }
    var events: [String] { lock.withLock { log } }
}

/// A summary handed over from another thread.
final class SummaryBox: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: SpeechSummary?
    var summary: SpeechSummary? {
        get { condition.withLock { value } }
        set { condition.withLock { value = newValue; condition.broadcast() } }
    }
    /// Waits until a summary is set.
    func wait() -> SpeechSummary {
        condition.withLock {
            while value == nil { condition.wait() }
            return value!
        }
    }
}

/// Warnings a speaker gave, from whichever thread.
final class WarningLog: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func record(_ message: String) { lock.withLock { messages.append(message) } }
    var all: [String] { lock.withLock { messages } }
}

final class StorySpeakerTests: XCTestCase {
    static let story = "Once upon a time, there was a little robot. It liked to tell stories! "
        + "Every night, it spoke to the children. \"Good night,\" it said. The end."
    static let sentences = SentenceSplitter.sentences(in: story)

    /// The story in token-sized pieces, as the generator hands it over.
    static func pieces(of text: String) -> [[UInt8]] {
        var pieces: [[UInt8]] = []
        var current: [UInt8] = []
        for byte in text.utf8 {
            if byte == UInt8(ascii: " ") && !current.isEmpty {
                pieces.append(current)
                current = []
            }
            current.append(byte)
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    func testPlaysEverySentenceInOrder() throws {
        let engine = try SpeechEngine()
        let sentenceLengths = try StorySpeakerTests.sentences.map { try engine.synthesize($0).samples.count }
        let output = RecordingOutput()
        let warnings = WarningLog()
        let speaker = StorySpeaker(engine: engine, output: output, collectsAudio: true, warn: warnings.record)
        for piece in StorySpeakerTests.pieces(of: StorySpeakerTests.story) { speaker.append(piece) }
        let summary = speaker.finish()

        XCTAssertEqual(StorySpeakerTests.sentences.count, 5)
        XCTAssertEqual(summary.sentenceCount, 5)
        XCTAssertEqual(summary.failedSentenceCount, 0)
        XCTAssertTrue(summary.played)
        XCTAssertEqual(summary.warnings, [])
        XCTAssertEqual(warnings.all, [])
        let collected = summary.audio?.samples ?? []
        XCTAssertEqual(summary.sampleCount, collected.count)
        XCTAssertTrue(output.samples == collected, "the output heard all the synthesized audio, in order")
        // The story's audio is its sentences' audio: same total length, give or take
        // espeak-ng's run-to-run jitter of a sample or two per sentence.
        let expectedLength = sentenceLengths.reduce(0, +)
        XCTAssertEqual(Double(collected.count), Double(expectedLength), accuracy: Double(expectedLength) * 0.01)
        XCTAssertGreaterThan(WAVFile.rms(collected), WAVFile.speechRMSFloor)
        XCTAssertEqual(summary.sampleRate, 22050)
        XCTAssertGreaterThan(summary.synthesisNanoseconds, 0)
        XCTAssertEqual(summary.synthesisMilliseconds, Double(summary.synthesisNanoseconds) / 1e6)
        XCTAssertEqual(output.events, ["open 22050", "drain", "close"])
        XCTAssertEqual(speaker.finish(), summary, "finish is idempotent")
    }

    func testSpeakingStartsBeforeTheStoryIsFinished() throws {
        let engine = try SpeechEngine()
        let output = RecordingOutput()
        let speaker = StorySpeaker(engine: engine, output: output)
        speaker.append("The first sentence is complete. The second one is not")
        // No finish yet: the first sentence must reach the output on its own.
        XCTAssertEqual(XCTWaiter().wait(for: [output.firstWrite], timeout: 60), .completed)
        XCTAssertEqual(speaker.sentencesSpoken, 1)
        speaker.append(" yet.")
        let summary = speaker.finish()
        XCTAssertEqual(summary.sentenceCount, 2)
    }

    func testAppendNeverWaitsForPlayback() throws {
        let engine = try SpeechEngine()
        let output = RecordingOutput(holdWrites: true)
        let speaker = StorySpeaker(engine: engine, output: output, maximumQueuedSeconds: 1)
        // The output holds the first write forever and the queue allows only one
        // second of audio ahead: the generator must still be able to hand over
        // the whole story at once.
        let handedOver = XCTestExpectation(description: "generator handed over every sentence")
        let generator = Thread {
            for index in 0..<40 { speaker.append("This is sentence number \(index) of the story. ") }
            handedOver.fulfill()
        }
        generator.start()
        let result = XCTWaiter().wait(for: [handedOver], timeout: 60)
        output.release()
        XCTAssertEqual(result, .completed, "append blocked while playback was stuck")
        let summary = speaker.finish()
        XCTAssertEqual(summary.sentenceCount, 40)
        XCTAssertTrue(summary.played)
        XCTAssertEqual(output.samples.count, summary.sampleCount)
    }

    func testFinishSynthesisDoesNotWaitForPlayback() throws {
        let engine = try SpeechEngine()
        let output = RecordingOutput(holdWrites: true)
        let speaker = StorySpeaker(engine: engine, output: output, collectsAudio: true)
        for piece in StorySpeakerTests.pieces(of: StorySpeakerTests.story) { speaker.append(piece) }
        // Playback is held inside its first write; synthesis must still finish.
        let summaryBox = SummaryBox()
        let finisher = Thread { summaryBox.summary = speaker.finishSynthesis() }
        finisher.start()
        let synthesized = XCTestExpectation(description: "finishSynthesis returned")
        Thread {
            _ = summaryBox.wait()
            synthesized.fulfill()
        }.start()
        let result = XCTWaiter().wait(for: [synthesized], timeout: 60)
        let heardSoFar = output.samples.count
        output.release()
        XCTAssertEqual(result, .completed, "finishSynthesis waited for the held playback")
        let synthesis = summaryBox.wait()
        XCTAssertEqual(heardSoFar, 0, "nothing was heard before finishSynthesis returned")
        XCTAssertEqual(synthesis.sentenceCount, 5)
        XCTAssertGreaterThan(synthesis.synthesisNanoseconds, 0)
        XCTAssertEqual(synthesis.audio?.samples.count, synthesis.sampleCount, "all the audio, handed over")
        speaker.append("Too late. ")   // the story's text has ended
        let playback = speaker.finish()
        XCTAssertTrue(playback.played)
        XCTAssertEqual(playback.sentenceCount, 5)
        XCTAssertEqual(playback.synthesisNanoseconds, synthesis.synthesisNanoseconds)
        XCTAssertEqual(playback.audio?.samples ?? [], [], "the audio was handed over by finishSynthesis")
        XCTAssertTrue(output.samples == synthesis.audio?.samples, "everything synthesized was heard, in order")
        XCTAssertEqual(speaker.finishSynthesis(), playback, "after finish, the final summary")
    }

    func testNoAudioDeviceGivesOneWarningAndCarriesOn() throws {
        let engine = try SpeechEngine()
        let warnings = WarningLog()
        let speaker = StorySpeaker(engine: engine, output: AlsaAudioOutput(device: "babyllama_no_such_device"),
                                   collectsAudio: true, warn: warnings.record)
        for piece in StorySpeakerTests.pieces(of: StorySpeakerTests.story + " " + StorySpeakerTests.story) {
            speaker.append(piece)
        }
        let summary = speaker.finish()
        XCTAssertEqual(warnings.all.count, 1, "one warning, however many sentences: \(warnings.all)")
        XCTAssertTrue(warnings.all.first?.hasPrefix("no audio device 'babyllama_no_such_device': ") ?? false)
        XCTAssertTrue(warnings.all.first?.hasSuffix("; the story is not spoken aloud") ?? false)
        XCTAssertEqual(summary.warnings, warnings.all)
        XCTAssertFalse(summary.played)
        XCTAssertEqual(summary.sentenceCount, 10, "speech is still synthesized and timed")
        XCTAssertGreaterThan(summary.synthesisNanoseconds, 0)
        XCTAssertGreaterThan(WAVFile.rms(summary.audio?.samples ?? []), WAVFile.speechRMSFloor)
    }

    func testAlsaNullDevicePlaysWithoutWarnings() throws {
        let warnings = WarningLog()
        let speaker = StorySpeaker(engine: try SpeechEngine(), output: AlsaAudioOutput(device: "null"),
                                   warn: warnings.record)
        speaker.append(StorySpeakerTests.story)
        let summary = speaker.finish()
        XCTAssertEqual(warnings.all, [])
        XCTAssertTrue(summary.played, "ALSA's null device takes the audio")
        XCTAssertEqual(summary.sentenceCount, 5)
    }

    func testFailingOutputGivesOneWarning() throws {
        let output = RecordingOutput()
        output.failAfterWrites = 2
        let warnings = WarningLog()
        let speaker = StorySpeaker(engine: try SpeechEngine(), output: output, warn: warnings.record)
        speaker.append(StorySpeakerTests.story + " " + StorySpeakerTests.story)
        let summary = speaker.finish()
        XCTAssertEqual(warnings.all, ["audio device 'test' failed: cable pulled; the rest of the story is not spoken aloud"])
        XCTAssertFalse(summary.played)
        XCTAssertEqual(summary.sentenceCount, 10)
        XCTAssertEqual(output.events, ["open 22050", "discard", "close"])
    }

    func testOutputThatCannotOpen() throws {
        let output = RecordingOutput()
        output.failOpen = true
        let warnings = WarningLog()
        let speaker = StorySpeaker(engine: try SpeechEngine(), output: output, warn: warnings.record)
        speaker.append(StorySpeakerTests.story)
        let summary = speaker.finish()
        XCTAssertEqual(warnings.all, ["no audio device 'test': unplugged; the story is not spoken aloud"])
        XCTAssertEqual(summary.sentenceCount, 5)
        XCTAssertEqual(output.samples, [])
    }

    func testWithoutOutputOnlySynthesizes() throws {
        let warnings = WarningLog()
        let speaker = StorySpeaker<AlsaAudioOutput>(engine: try SpeechEngine(), output: nil, collectsAudio: true,
                                                    warn: warnings.record)
        speaker.append(StorySpeakerTests.story)
        speaker.speak(sentence: "And one more, said whole.")
        let summary = speaker.finish()
        XCTAssertEqual(warnings.all, [])
        XCTAssertEqual(summary.sentenceCount, 6)
        XCTAssertFalse(summary.played)
        XCTAssertEqual(summary.audio?.samples.count, summary.sampleCount)
        XCTAssertEqual(summary.audio?.synthesisNanoseconds, summary.synthesisNanoseconds)
        XCTAssertGreaterThan(summary.audioMilliseconds, 5000)
    }

    func testCancelStopsAndDropsQueuedSpeech() throws {
        let output = RecordingOutput(holdWrites: true)
        // With playback held and one second allowed ahead, synthesis stops after
        // two sentences (each is over a second long) until cancel.
        let speaker = StorySpeaker(engine: try SpeechEngine(), output: output, maximumQueuedSeconds: 1)
        for index in 0..<30 { speaker.append("Sentence \(index) is here. ") }
        XCTAssertEqual(XCTWaiter().wait(for: [output.firstWrite], timeout: 60), .completed)
        let summaryBox = SummaryBox()
        let canceller = Thread { summaryBox.summary = speaker.cancel() }
        canceller.start()
        // cancel() waits for the playback thread, which is held inside a write: let
        // the write go only once the cancel is on record.
        while !speaker.isCancelled { sched_yield() }
        output.release()
        let summary = summaryBox.wait()
        XCTAssertFalse(summary.played)
        XCTAssertLessThanOrEqual(summary.sentenceCount, 3, "queued sentences were dropped")
        XCTAssertEqual(output.events.last, "close")
        XCTAssertTrue(output.events.contains("discard"))
        XCTAssertEqual(speaker.finish(), summary, "finish after cancel returns the same summary")
        speaker.append("Ignored. Also ignored. ")
        XCTAssertEqual(speaker.finish(), summary)
    }

    func testSpeakerReleasedWithoutFinishStopsItsThreads() throws {
        let output = RecordingOutput()
        weak var released: StorySpeaker<RecordingOutput>?
        do {
            let speaker = StorySpeaker(engine: try SpeechEngine(), output: output)
            speaker.append("A sentence that may or may not be spoken. Another. ")
            released = speaker
        }
        XCTAssertNil(released, "deinit cancelled and joined the threads")
        XCTAssertEqual(output.events.last, "close")
    }

    func testUnspeakableSentencesAreSkippedNotFailed() throws {
        let warnings = WarningLog()
        let speaker = StorySpeaker<AlsaAudioOutput>(engine: try SpeechEngine(), output: nil, warn: warnings.record)
        speaker.append("... !!! ??? Hello there.")
        speaker.speak(sentence: "   ")
        let summary = speaker.finish()
        XCTAssertEqual(summary.sentenceCount, 1)
        XCTAssertEqual(summary.failedSentenceCount, 1, "the blank sentence given whole is refused")
        XCTAssertEqual(warnings.all, ["cannot speak a sentence: there is no text to speak"])
    }
}
