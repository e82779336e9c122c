import CShim
import Support

/// The service's log: one line per event on standard error (whole lines, so lines
/// from connection threads do not interleave).
public enum Log {
    /// Writes `line` and a newline to standard error.
    public static func line(_ line: String) {
        StandardError.writeLine(line)
    }
}

/// `value` with `decimals` digits after the point (Embedded Swift cannot print
/// floating-point numbers itself); "NaN", "+Inf" or "-Inf" when not finite.
func formatFixed(_ value: Double, decimals: Int) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
    var buffer = [CChar](repeating: 0, count: 64)
    let length = buffer.withUnsafeMutableBufferPointer {
        Int(shim_format_fixed($0.baseAddress, $0.count, value, Int32(decimals)))
    }
    if length <= 0 || length >= 64 { return "0" }
    return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Milliseconds from a monotonic-clock interval in nanoseconds, rounded to microseconds.
func milliseconds(_ nanoseconds: UInt64) -> Double {
    Double(nanoseconds / 1_000) / 1_000
}
