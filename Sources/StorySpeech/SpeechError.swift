/// Everything that can go wrong when speaking, each with a message fit to show
/// a user as one line.
public enum SpeechError: Error, Equatable, Sendable {
    /// The text has nothing to say (empty, whitespace or punctuation only).
    case emptyText
    /// The text is longer than `SpeechSettings.maximumTextBytes`.
    case textTooLong(bytes: Int, limit: Int)
    /// espeak-ng has no voice of this name.
    case unknownVoice(String)
    /// A voice name that cannot be one (empty, too long, or odd characters).
    case invalidVoiceName(String)
    /// The speaking rate is outside `SpeechSettings.rateRange` (words per minute).
    case invalidRate(Int)
    /// The volume is outside `SpeechSettings.volumeRange`.
    case invalidVolume(Int)
    /// A limit in the settings is not a positive number.
    case invalidLimit(name: String, value: Int)
    /// Speech is turned off in the configuration.
    case disabled
    /// No espeak-ng-data directory was found (`searched` lists the places tried).
    case dataNotFound(searched: [String])
    /// The process already uses espeak-ng with another data directory (espeak-ng
    /// has one global state, so one data directory per process).
    case dataPathConflict(inUse: String, requested: String)
    /// espeak-ng failed to start or to synthesize (its own status message).
    case synthesisFailed(String)
    /// The audio device could not be opened or set up.
    case audioDeviceUnavailable(device: String, reason: String)
    /// Writing to the audio device failed and could not be recovered.
    case audioWriteFailed(device: String, reason: String)

    /// A one-line description for users.
    public var message: String {
        switch self {
        case .emptyText:
            return "there is no text to speak"
        case .textTooLong(let bytes, let limit):
            return "text is \(bytes) bytes long, speech takes at most \(limit)"
        case .unknownVoice(let name):
            return "unknown voice '\(name)' (espeak-ng --voices lists them)"
        case .invalidVoiceName(let name):
            return "'\(name)' is not a voice name: use letters, digits, '-', '_' or '+', up to 64 of them"
        case .invalidRate(let rate):
            return "speaking rate must be \(SpeechSettings.rateRange.lowerBound)...\(SpeechSettings.rateRange.upperBound) words per minute, got \(rate)"
        case .invalidVolume(let volume):
            return "volume must be \(SpeechSettings.volumeRange.lowerBound)...\(SpeechSettings.volumeRange.upperBound), got \(volume)"
        case .invalidLimit(let name, let value):
            return "\(name) must be a positive number, got \(value)"
        case .disabled:
            return "speech is turned off in the configuration"
        case .dataNotFound(let searched):
            var list = ""
            for path in searched { list += list.isEmpty ? path : ", " + path }
            return "espeak-ng-data not found (looked in: \(list)); install espeak-ng-data or set the data path"
        case .dataPathConflict(let inUse, let requested):
            return "espeak-ng already runs with data from '\(inUse)', cannot switch to '\(requested)' in the same process"
        case .synthesisFailed(let reason):
            return "speech synthesis failed: \(reason)"
        case .audioDeviceUnavailable(let device, let reason):
            return "no audio device '\(device)': \(reason)"
        case .audioWriteFailed(let device, let reason):
            return "audio device '\(device)' failed: \(reason)"
        }
    }
}
