import LlamaCore
import XCTest

/// `Sampler` against a plain rewrite of run.c's sampler (Support/RunCSampler.swift).
final class SamplerTests: XCTestCase {
    /// xorshift64* from seed 42, computed independently with Python integers:
    /// s ^= s >> 12; s ^= (s << 25) mod 2⁶⁴; s ^= s >> 27; (s · 0x2545F4914F6CDD1D mod 2⁶⁴) >> 32.
    func testFirstRandomNumbersOfSeed42() {
        var sampler = Sampler(vocabSize: 4, temperature: 1, topP: 0.9, seed: 42)
        XCTAssertEqual((0..<5).map { _ in sampler.nextUInt32() }, [1456360119, 3359763283, 3393612768, 4054632243, 3283045847])
        XCTAssertEqual(sampler.rngState, 0x53E4_A303_A98C_E13E)
        var floats = Sampler(vocabSize: 4, temperature: 1, topP: 0.9, seed: 42)
        XCTAssertEqual(floats.nextFloat(), 0.3390852212905884)
        XCTAssertEqual(floats.nextFloat(), 0.7822558283805847)
    }

    func testRandomNumbersMatchRunC() {
        for seed: UInt64 in [1, 2, 42, 1337, 0xDEAD_BEEF, UInt64.max] {
            var ours = Sampler(vocabSize: 2, temperature: 1, topP: 1, seed: seed)
            var theirs = RunCSampler(vocabSize: 2, temperature: 1, topp: 1, seed: seed)
            for _ in 0..<1000 { XCTAssertEqual(ours.nextUInt32(), theirs.randomU32()) }
            for _ in 0..<1000 { XCTAssertEqual(ours.nextFloat(), theirs.randomF32()) }
            XCTAssertEqual(ours.rngState, theirs.rngState)
        }
    }

    /// Random logits; with `ties`, drawn from a few values so equal probabilities are common.
    private func logits(_ count: Int, ties: Bool, random: inout SeededRandom) -> [Float] {
        if ties {
            let levels: [Float] = [-2, 0, 0.5, 1, 3, 3]
            return (0..<count).map { _ in levels.randomElement(using: &random)! }
        }
        return random.floats(count, in: -6...6)
    }

    func testSamplingMatchesRunC() {
        var random = SeededRandom(seed: 11)
        var draws = 0
        for vocabSize in [2, 7, 64, 512, 1000] {
            for temperature: Float in [0, 0.5, 1, 1.5, -1] {
                for topP: Float in [0, 0.5, 0.9, 1, 1.5, -0.2] {
                    for seed: UInt64 in [1, 42, 9_999_999_999] {
                        var ours = Sampler(vocabSize: vocabSize, temperature: temperature, topP: topP, seed: seed)
                        var theirs = RunCSampler(vocabSize: vocabSize, temperature: temperature, topp: topP, seed: seed)
                        XCTAssertEqual(ours.temperature, theirs.temperature)
                        XCTAssertEqual(ours.topP, theirs.topp)
                        for step in 0..<8 {
                            let values = logits(vocabSize, ties: step % 2 == 1, random: &random)
                            var buffer = values
                            let token = buffer.withUnsafeMutableBufferPointer { ours.sample($0) }
                            XCTAssertEqual(token, theirs.sample(values),
                                           "vocab \(vocabSize) T \(temperature) p \(topP) seed \(seed) step \(step)")
                            XCTAssertEqual(ours.rngState, theirs.rngState, "one coin per sample, none at T = 0")
                            draws += 1
                        }
                    }
                }
            }
        }
        XCTAssertEqual(draws, 5 * 5 * 6 * 3 * 8)
    }

    /// Out-of-range settings are clamped as run.c's main does.
    func testClamping() {
        XCTAssertEqual(Sampler(vocabSize: 3, temperature: -0.5, topP: 0.5, seed: 1).temperature, 0)
        XCTAssertEqual(Sampler(vocabSize: 3, temperature: 1, topP: 1.01, seed: 1).topP, 0.9)
        XCTAssertEqual(Sampler(vocabSize: 3, temperature: 1, topP: -0.01, seed: 1).topP, 0.9)
        XCTAssertEqual(Sampler(vocabSize: 3, temperature: 1, topP: 1, seed: 1).topP, 1)
        XCTAssertEqual(Sampler(vocabSize: 3, temperature: 1, topP: 0, seed: 1).topP, 0)
    }

    func testArgmaxTakesFirstOfTies() {
        var values: [Float] = [1, 5, 2, 5, 5]
        XCTAssertEqual(values.withUnsafeMutableBufferPointer { Sampler.argmax($0) }, 1)
        var greedy = Sampler(vocabSize: 5, temperature: 0, topP: 0.9, seed: 7)
        XCTAssertEqual(values.withUnsafeMutableBufferPointer { greedy.sample($0) }, 1)
        XCTAssertEqual(greedy.rngState, 7, "greedy sampling draws no coin")
    }

    /// Hand-checked top-p: probabilities 0.5, 0.3, 0.15, 0.05 at p = 0.7 keep the first two
    /// (0.5 + 0.3 > 0.7); the coin is scaled by their mass 0.8.
    func testTopPNucleusByHand() {
        let probabilities: [Float] = [0.05, 0.3, 0.5, 0.15]
        let logits = probabilities.map { logf($0) }
        // Find seeds whose coin lands in each part of the nucleus, as run.c computes it.
        var seen: Set<Int> = []
        for seed: UInt64 in 1...200 {
            var ours = Sampler(vocabSize: 4, temperature: 1, topP: 0.7, seed: seed)
            var coinSource = RunCSampler(vocabSize: 4, temperature: 1, topp: 0.7, seed: seed)
            let coin = coinSource.randomF32()
            var buffer = logits
            let token = buffer.withUnsafeMutableBufferPointer { ours.sample($0) }
            XCTAssertTrue(token == 2 || token == 1, "only the nucleus {2, 1} can be drawn, got \(token)")
            // The scaled coin falls in token 2's share (0.5 of 0.8) or token 1's.
            XCTAssertEqual(token, coin * 0.8 < 0.5 ? 2 : 1, "seed \(seed), coin \(coin)")
            seen.insert(token)
        }
        XCTAssertEqual(seen, [1, 2])
    }
}
