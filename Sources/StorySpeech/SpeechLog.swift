import Support

/// Where the speech code reports problems it carries on after (a missing audio
/// device): one line on standard error.
public enum SpeechLog {
    /// Writes `babyllama: warning: <message>` and a newline to standard error.
    public static func warning(_ message: String) {
        StandardError.writeLine("babyllama: warning: " + message)
    }
}
