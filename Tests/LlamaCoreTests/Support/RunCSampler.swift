import Foundation

/// run.c's sampler written out again, plainly, from run.c's source: the test's
/// independent reference for `Sampler`.
struct RunCSampler {
    let vocabSize: Int
    let temperature: Float
    let topp: Float
    var rngState: UInt64

    /// As run.c's main clamps its arguments: temperature < 0 → 0, topp outside [0, 1] → 0.9.
    init(vocabSize: Int, temperature: Float, topp: Float, seed: UInt64) {
        self.vocabSize = vocabSize
        self.temperature = temperature < 0 ? 0 : temperature
        self.topp = (topp < 0 || 1 < topp) ? 0.9 : topp
        self.rngState = seed
    }

    /// `random_u32`: xorshift64*, high 32 bits of the product.
    mutating func randomU32() -> UInt32 {
        rngState ^= rngState >> 12
        rngState ^= rngState << 25
        rngState ^= rngState >> 27
        return UInt32((rngState &* 0x2545F4914F6CDD1D) >> 32)
    }

    /// `random_f32`: `(random_u32 >> 8) / 16777216.0f`.
    mutating func randomF32() -> Float { Float(randomU32() >> 8) / Float(16777216.0) }

    static func argmax(_ p: [Float]) -> Int {
        var maxIndex = 0
        var maxValue = p[0]
        for i in 1..<p.count where p[i] > maxValue {
            maxIndex = i
            maxValue = p[i]
        }
        return maxIndex
    }

    static func softmax(_ x: inout [Float]) {
        var maxValue = x[0]
        for i in 1..<x.count where x[i] > maxValue { maxValue = x[i] }
        var sum: Float = 0
        for i in 0..<x.count {
            x[i] = expf(x[i] - maxValue)
            sum += x[i]
        }
        for i in 0..<x.count { x[i] /= sum }
    }

    static func sampleMult(_ p: [Float], coin: Float) -> Int {
        var cdf: Float = 0
        for i in 0..<p.count {
            cdf += p[i]
            if coin < cdf { return i }
        }
        return p.count - 1
    }

    static func sampleTopp(_ p: [Float], topp: Float, coin: Float) -> Int {
        let n = p.count
        let cutoff = (1 - topp) / Float(n - 1)
        var kept: [(prob: Float, index: Int)] = []
        for i in 0..<n where p[i] >= cutoff { kept.append((p[i], i)) }
        kept = stableSortDescending(kept)
        var cumulative: Float = 0
        var lastIndex = kept.count - 1
        for i in 0..<kept.count {
            cumulative += kept[i].prob
            if cumulative > topp {
                lastIndex = i
                break
            }
        }
        let r = coin * cumulative
        var cdf: Float = 0
        for i in 0...lastIndex {
            cdf += kept[i].prob
            if r < cdf { return kept[i].index }
        }
        return kept[lastIndex].index
    }

    /// A top-down merge sort by descending probability; equal ones keep their order
    /// (what glibc's qsort, a merge sort, does with run.c's comparator).
    static func stableSortDescending(_ items: [(prob: Float, index: Int)]) -> [(prob: Float, index: Int)] {
        if items.count < 2 { return items }
        let left = stableSortDescending(Array(items[..<(items.count / 2)]))
        let right = stableSortDescending(Array(items[(items.count / 2)...]))
        var merged: [(prob: Float, index: Int)] = []
        merged.reserveCapacity(items.count)
        var i = 0, j = 0
        while i < left.count && j < right.count {
            // Take from the right only when strictly larger, so ties keep the left first.
            if right[j].prob > left[i].prob {
                merged.append(right[j]); j += 1
            } else {
                merged.append(left[i]); i += 1
            }
        }
        merged += left[i...]
        merged += right[j...]
        return merged
    }

    /// `sample`: argmax at temperature 0, else softmax(logits / T), one coin, multinomial or top-p.
    mutating func sample(_ logits: [Float]) -> Int {
        if temperature == 0 { return RunCSampler.argmax(logits) }
        var p = logits.map { $0 / temperature }
        RunCSampler.softmax(&p)
        let coin = randomF32()
        if topp <= 0 || topp >= 1 { return RunCSampler.sampleMult(p, coin: coin) }
        return RunCSampler.sampleTopp(p, topp: topp, coin: coin)
    }
}
