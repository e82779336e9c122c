import CPosix
import LlamaKernels

/// Picks the next token from logits exactly as run.c's sampler does: argmax at
/// temperature 0, otherwise softmax(logits / temperature) and a coin from
/// run.c's xorshift generator, over the whole distribution or its top-p nucleus.
public struct Sampler {
    public let vocabSize: Int
    public let temperature: Float
    public let topP: Float
    /// run.c's `rng_state`: the seed, then advanced by each coin.
    public private(set) var rngState: UInt64
    private var candidates: [ProbabilityIndex] = []
    private var sortScratch: [ProbabilityIndex] = []

    /// `temperature` below 0 is taken as 0 and `topP` outside [0, 1] as 0.9, as run.c does.
    public init(vocabSize: Int, temperature: Float, topP: Float, seed: UInt64) {
        self.vocabSize = vocabSize
        self.temperature = temperature < 0 ? 0 : temperature
        self.topP = (topP < 0 || topP > 1) ? 0.9 : topP
        self.rngState = seed
    }

    /// run.c's `random_u32`: xorshift64* taking the high 32 bits.
    public mutating func nextUInt32() -> UInt32 {
        rngState ^= rngState >> 12
        rngState ^= rngState << 25
        rngState ^= rngState >> 27
        return UInt32(truncatingIfNeeded: (rngState &* 0x2545_F491_4F6C_DD1D) >> 32)
    }

    /// run.c's `random_f32`: a float in [0, 1) with 24 random bits.
    public mutating func nextFloat() -> Float {
        Float(nextUInt32() >> 8) / 16_777_216.0
    }

    /// Samples a token; at temperature > 0 the logits are overwritten with probabilities.
    public mutating func sample(_ logits: UnsafeMutableBufferPointer<Float>) -> Int {
        if temperature == 0 { return Sampler.argmax(logits) }
        for i in 0..<vocabSize { logits[i] /= temperature }
        VectorKernels.softmax(logits.baseAddress!, count: vocabSize)  // run.c's, exactly
        let coin = nextFloat()
        if topP <= 0 || topP >= 1 { return Sampler.sampleMultinomial(logits, coin: coin) }
        return sampleTopP(logits, coin: coin)
    }

    /// Index of the first largest value.
    public static func argmax(_ values: UnsafeMutableBufferPointer<Float>) -> Int {
        var best = 0
        var bestValue = values[0]
        for i in 1..<values.count where values[i] > bestValue {
            best = i
            bestValue = values[i]
        }
        return best
    }

    /// The first index where the running sum of probabilities exceeds `coin`.
    static func sampleMultinomial(_ probabilities: UnsafeMutableBufferPointer<Float>, coin: Float) -> Int {
        var cdf: Float = 0
        for i in 0..<probabilities.count {
            cdf += probabilities[i]
            if coin < cdf { return i }
        }
        return probabilities.count - 1
    }

    /// Nucleus sampling as run.c: drop tokens below (1 - p) / (n - 1), sort the rest by
    /// probability, keep the smallest prefix whose mass exceeds p, and sample in it.
    mutating func sampleTopP(_ probabilities: UnsafeMutableBufferPointer<Float>, coin: Float) -> Int {
        let n = vocabSize
        let cutoff = (1 - topP) / Float(n - 1)
        candidates.removeAll(keepingCapacity: true)
        for i in 0..<n where probabilities[i] >= cutoff {
            candidates.append(ProbabilityIndex(probability: probabilities[i], index: Int32(i)))
        }
        // Only NaN logits leave nothing above the cutoff; do not index an empty list.
        if candidates.isEmpty { return 0 }
        Sampler.sortDescending(&candidates, scratch: &sortScratch)
        var cumulative: Float = 0
        var lastIndex = candidates.count - 1
        for i in 0..<candidates.count {
            cumulative += candidates[i].probability
            if cumulative > topP {
                lastIndex = i
                break
            }
        }
        let r = coin * cumulative
        var cdf: Float = 0
        for i in 0...lastIndex {
            cdf += candidates[i].probability
            if r < cdf { return Int(candidates[i].index) }
        }
        return Int(candidates[lastIndex].index)
    }

    /// Sorts by descending probability, equal ones in index order (what glibc's
    /// merge-sort qsort gives run.c). A stable LSD radix sort on the float bits:
    /// non-negative floats order as their bit patterns, and a flat distribution
    /// (every token a candidate) sorts in linear time.
    static func sortDescending(_ items: inout [ProbabilityIndex], scratch: inout [ProbabilityIndex]) {
        let count = items.count
        if scratch.count < count {
            scratch = items
        } else if scratch.count > count {
            scratch.removeLast(scratch.count - count)
        }
        var counts = [Int](repeating: 0, count: 256)
        for pass in 0..<4 {
            let shift = UInt32(8 * pass)
            for i in 0..<256 { counts[i] = 0 }
            for item in items { counts[Int((~item.probability.bitPattern >> shift) & 0xFF)] += 1 }
            if counts.contains(count) { continue }  // every key shares this byte
            var total = 0
            for i in 0..<256 {
                let c = counts[i]
                counts[i] = total
                total += c
            }
            for item in items {
                let digit = Int((~item.probability.bitPattern >> shift) & 0xFF)
                scratch[counts[digit]] = item
                counts[digit] += 1
            }
            swap(&items, &scratch)
        }
    }
}

/// A (probability, token) pair for top-p sorting.
struct ProbabilityIndex {
    var probability: Float
    var index: Int32
}
