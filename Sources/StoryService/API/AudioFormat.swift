/// The audio formats a generation answer can carry its story's speech in
/// (the request's `"audio"` member).
public enum AudioFormat: Equatable, Sendable {
    /// 16-bit mono PCM in a RIFF/WAVE file, base64-encoded in the JSON answer.
    case wav

    /// The name used in requests and answers.
    public var name: String {
        switch self {
        case .wav: return "wav"
        }
    }

    /// The format a request names, or nil if none has that name.
    public init?(name: [UInt8]) {
        if name.elementsEqual("wav".utf8) {
            self = .wav
        } else {
            return nil
        }
    }
}
