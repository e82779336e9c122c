/// Turns a stream of bytes into valid UTF-8, as the WHATWG decoder does: each
/// maximal invalid subsequence becomes U+FFFD, and an incomplete sequence at the
/// end of what has arrived so far is held back until more bytes complete it
/// (so a character split over byte-fallback tokens comes out whole).
public struct UTF8Repair {
    /// Bytes of the sequence being assembled (a valid prefix of one character).
    private var pending: [UInt8] = []
    /// Length of that sequence once complete; 0 when none is open.
    private var needed = 0
    /// Bounds for the next continuation byte (narrower after E0, ED, F0, F4).
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    /// U+FFFD REPLACEMENT CHARACTER in UTF-8.
    public static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    public init() {}

    /// True when bytes are held back waiting for the rest of a character.
    public var hasPendingBytes: Bool { needed != 0 }

    /// Appends the valid UTF-8 that `bytes` complete to `output`.
    public mutating func append<Bytes: Sequence>(_ bytes: Bytes, into output: inout [UInt8])
    where Bytes.Element == UInt8 {
        for byte in bytes { feed(byte, into: &output) }
    }

    /// Ends the stream: an unfinished character becomes U+FFFD.
    public mutating func finish(into output: inout [UInt8]) {
        if needed != 0 {
            output.append(contentsOf: UTF8Repair.replacement)
            reset()
        }
    }

    private mutating func feed(_ byte: UInt8, into output: inout [UInt8]) {
        if needed != 0 {
            if byte >= lower && byte <= upper {
                pending.append(byte)
                lower = 0x80
                upper = 0xBF
                if pending.count == needed {
                    output.append(contentsOf: pending)
                    reset()
                }
                return
            }
            // The open sequence is cut short: replace it and read this byte afresh.
            output.append(contentsOf: UTF8Repair.replacement)
            reset()
        }
        switch byte {
        case 0x00...0x7F: output.append(byte)
        case 0xC2...0xDF: open(byte, length: 2, lower: 0x80, upper: 0xBF)
        case 0xE0: open(byte, length: 3, lower: 0xA0, upper: 0xBF)
        case 0xED: open(byte, length: 3, lower: 0x80, upper: 0x9F)
        case 0xE1...0xEF: open(byte, length: 3, lower: 0x80, upper: 0xBF)
        case 0xF0: open(byte, length: 4, lower: 0x90, upper: 0xBF)
        case 0xF1...0xF3: open(byte, length: 4, lower: 0x80, upper: 0xBF)
        case 0xF4: open(byte, length: 4, lower: 0x80, upper: 0x8F)
        default: output.append(contentsOf: UTF8Repair.replacement)
        }
    }

    private mutating func open(_ byte: UInt8, length: Int, lower: UInt8, upper: UInt8) {
        pending.removeAll(keepingCapacity: true)
        pending.append(byte)
        needed = length
        self.lower = lower
        self.upper = upper
    }

    private mutating func reset() {
        pending.removeAll(keepingCapacity: true)
        needed = 0
        lower = 0x80
        upper = 0xBF
    }

    /// `bytes` with every invalid sequence replaced by U+FFFD.
    public static func repaired<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var repair = UTF8Repair()
        var output: [UInt8] = []
        repair.append(bytes, into: &output)
        repair.finish(into: &output)
        return output
    }
}
