import Support

/// The service's log: one line per event on standard error (whole lines, so lines
/// from connection threads do not interleave).
public enum Log {
    /// Writes `line` and a newline to standard error.
    public static func line(_ line: String) {
        StandardError.writeLine(line)
    }
}

/// Milliseconds from a monotonic-clock interval in nanoseconds, rounded to microseconds.
func milliseconds(_ nanoseconds: UInt64) -> Double {
    Double(nanoseconds / 1_000) / 1_000
}
