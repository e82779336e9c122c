import CPosix

/// Standard error, written a whole message at a time: the bytes go to CPosix's one
/// write(2) loop in a single buffer, so a short line is one write and lines from
/// different threads (connections, speech, the engine) do not interleave.
public enum StandardError {
    /// Writes `text` as it is.
    public static func write(_ text: String) {
        var bytes = text
        bytes.withUTF8 { shim_write_stderr($0.baseAddress, $0.count) }
    }

    /// Writes `text` and a newline, together.
    public static func writeLine(_ text: String) {
        write(text + "\n")
    }
}
