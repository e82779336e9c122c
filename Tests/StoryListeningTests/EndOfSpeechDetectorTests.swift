import StoryListening
import TestSupport
import XCTest

/// Where a recorded request starts and ends, found by energy in a stream fed in pieces.
final class EndOfSpeechDetectorTests: XCTestCase {
    private func feed(_ detector: inout EndOfSpeechDetector, _ samples: [Int16], piece: Int = 800) -> EndOfSpeechDetector.State {
        var state = detector.state
        var start = 0
        while start < samples.count {
            let end = min(samples.count, start + piece)
            state = samples[start..<end].withUnsafeBufferPointer { detector.feed($0) }
            start = end
        }
        return state
    }

    /// Quiet noise, a second of "speech" (a loud tone), then quiet again.
    private func utterance(quietAfter: Double) -> [Int16] {
        var generator = SystemRandomNumberGenerator()
        func noise(_ seconds: Double) -> [Int16] {
            (0..<Int(16_000 * seconds)).map { _ in Int16.random(in: -60...60, using: &generator) }
        }
        return noise(0.5) + WAVBuilder.tone(frequency: 300, sampleRate: 16_000, seconds: 1, amplitude: 6_000) + noise(quietAfter)
    }

    func testSpeechEndsAfterTheQuiet() {
        var detector = EndOfSpeechDetector(silenceToEnd: 0.8)
        XCTAssertEqual(feed(&detector, utterance(quietAfter: 1.5)), .finished)
        // The request: 300 ms before the start, the second of speech, 0.8 s of quiet (within one 20 ms frame).
        let seconds = Double(detector.speech.count) / 16_000
        XCTAssertEqual(seconds, 0.3 + 1.0 + 0.8, accuracy: 0.1)
    }

    func testAShortPauseDoesNotEndIt() {
        var detector = EndOfSpeechDetector(silenceToEnd: 0.8)
        XCTAssertEqual(feed(&detector, utterance(quietAfter: 0.4)), .speaking)
    }

    func testQuietAloneIsNotSpeech() {
        var detector = EndOfSpeechDetector()
        let quiet = [Int16](repeating: 0, count: 16_000 * 3)
        XCTAssertEqual(feed(&detector, quiet), .waiting)
        XCTAssertTrue(detector.speech.isEmpty)
    }
}
