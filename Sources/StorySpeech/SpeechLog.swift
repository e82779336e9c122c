import CShim

/// Where the speech code reports problems it carries on after (a missing audio
/// device): one line on standard error.
public enum SpeechLog {
    /// Writes `babyllama: warning: <message>` and a newline to standard error.
    public static func warning(_ message: String) {
        var line = Array("babyllama: warning: ".utf8)
        line.append(contentsOf: message.utf8)
        line.append(SpeechText.newline)
        line.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
