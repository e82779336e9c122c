import CPosix

/// Sample-rate conversion for speech: a windowed-sinc low-pass interpolator (Blackman
/// window, 16 zero crossings a side), so that a 22050 or 44100 Hz recording reaches the
/// recognizer at 16 kHz without the aliasing a linear interpolation folds into the
/// band the acoustic model listens to.
enum Resampler {
    static let zeroCrossings = 16
    /// Points of the tabulated filter per zero crossing (read with linear interpolation:
    /// no sin/cos per tap, which the Duo's FPU would feel).
    static let tableResolution = 256

    /// How many samples `count` samples at `sourceRate` make at `targetRate` (rounded down).
    static func outputCount(_ count: Int, from sourceRate: Int, to targetRate: Int) -> Int {
        Int((Int64(count) * Int64(targetRate)) / Int64(sourceRate))
    }

    static func resample(_ input: [Int16], from sourceRate: Int, to targetRate: Int) -> [Int16] {
        if sourceRate == targetRate || input.isEmpty { return input }
        let outputCount = outputCount(input.count, from: sourceRate, to: targetRate)
        let step = Double(sourceRate) / Double(targetRate)
        // Downsampling moves the cut-off down to the new Nyquist frequency.
        let cutoff = min(1.0, Double(targetRate) / Double(sourceRate))
        let halfWidth = Double(zeroCrossings) / cutoff
        let table = filterTable()
        let tableScale = cutoff * Double(tableResolution)
        var output = [Int16](repeating: 0, count: outputCount)
        for index in 0..<outputCount {
            let center = Double(index) * step
            let first = max(0, Int((center - halfWidth).rounded(.up)))
            let last = min(input.count - 1, Int((center + halfWidth).rounded(.down)))
            var sum = 0.0, weights = 0.0
            if first <= last {
                for source in first...last {
                    // The filter at |distance| (in units of the cut-off), from the table.
                    let position = abs(Double(source) - center) * tableScale
                    let lower = Int(position)
                    if lower + 1 >= table.count { continue }
                    let fraction = position - Double(lower)
                    let weight = table[lower] + (table[lower + 1] - table[lower]) * fraction
                    sum += weight * Double(input[source])
                    weights += weight
                }
            }
            // Normalizing by the weights keeps the gain 1 at the edges, where the window is cut.
            let value = weights != 0 ? sum / weights : 0
            output[index] = Int16(max(-32768, min(32767, value.rounded())))
        }
        return output
    }

    /// sinc(x) times the Blackman window, for x = 0 ... zeroCrossings in steps of 1/tableResolution.
    private static func filterTable() -> [Double] {
        let count = zeroCrossings * tableResolution + 1
        var table = [Double](repeating: 0, count: count)
        for index in 0..<count {
            let x = Double(index) / Double(tableResolution)
            let sinc = x == 0 ? 1 : sin(Double.pi * x) / (Double.pi * x)
            // Blackman on -1...1, at x / zeroCrossings.
            let angle = Double.pi * (x / Double(zeroCrossings) + 1)
            table[index] = sinc * (0.42 - 0.5 * cos(angle) + 0.08 * cos(2 * angle))
        }
        return table
    }
}
