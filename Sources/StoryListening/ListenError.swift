import Support

/// Everything that can go wrong when listening, each with a one-line message for a
/// user and the HTTP status `POST /v1/listen` answers it with.
public enum ListenError: Error, Equatable, Sendable {
    /// The bytes are not a WAV file, or one cut short (the reason says which).
    case malformedAudio(String)
    /// A WAV file in a format this does not read (not 16-bit PCM, a rate out of range...).
    case unsupportedAudio(String)
    /// No samples at all: nothing to hear.
    case emptyAudio
    /// More audio than one request may be (`ListenSettings.maximumSeconds`).
    case audioTooLong(seconds: Double, limit: Int)
    /// Listening cannot work here: the library, the acoustic model, the grammar or the
    /// dictionary is missing or broken (the reason names it).
    case unavailable(String)
    /// A setting out of range (the reason names it).
    case invalidSetting(String)
    /// The recorder could not open or read the capture device.
    case captureFailed(device: String, reason: String)
    /// pocketsphinx failed on this utterance.
    case decodingFailed(String)

    /// A one-line description for users.
    public var message: String {
        switch self {
        case .malformedAudio(let reason): return "not a usable WAV file: \(reason)"
        case .unsupportedAudio(let reason):
            return "unsupported audio: \(reason) (send 16-bit PCM WAV, mono, 16 kHz best; 8-48 kHz are resampled)"
        case .emptyAudio: return "the recording is empty (0 seconds): there is nothing to hear"
        case .audioTooLong(let seconds, let limit):
            return "the recording is \(FixedDecimal.format(seconds, decimals: 1)) s long; a request may be at most \(limit) s"
        case .unavailable(let reason): return "listening is not available: \(reason)"
        case .invalidSetting(let reason): return reason
        case .captureFailed(let device, let reason): return "cannot record from audio device '\(device)': \(reason)"
        case .decodingFailed(let reason): return "speech recognition failed: \(reason)"
        }
    }

    /// The status an HTTP answer gives it: the client's audio is 400/413/415/422, a
    /// server without listening 501, a failure of its own 500.
    public var httpStatus: Int {
        switch self {
        case .malformedAudio: return 400
        case .unsupportedAudio: return 415
        case .emptyAudio: return 422
        case .audioTooLong: return 413
        case .unavailable: return 501
        case .invalidSetting, .captureFailed, .decodingFailed: return 500
        }
    }
}
