/// How the story is spoken: the `speech` section of `Config/babyllama.json`.
///
/// JSON keys (all optional, defaults below): `enabled` (bool), `voice` (string),
/// `rate` (int, words per minute), `volume` (int), `audio_device` (string),
/// `data_path` (string), `max_text_bytes` (int).
public struct SpeechSettings: Equatable, Sendable {
    /// Speaking rates espeak-ng accepts, in words per minute.
    public static let rateRange = 80...450
    /// Volumes espeak-ng accepts: 100 is normal, above it may clip.
    public static let volumeRange = 0...200
    /// The longest voice name accepted (espeak-ng's own names are much shorter).
    public static let maximumVoiceNameBytes = 64

    /// Speech on or off; with it off, `SpeechEngine` refuses to start.
    public var enabled: Bool
    /// espeak-ng voice name or language, e.g. `en-us`, `en-gb`, `en-us+f3`.
    public var voice: String
    /// Speaking rate in words per minute.
    public var rate: Int
    /// Amplitude, 0...200 (100 is normal).
    public var volume: Int
    /// ALSA playback device: `default`, or e.g. `plughw:0,0` on the Duo.
    public var audioDevice: String
    /// Directory holding espeak-ng-data (or the espeak-ng-data directory itself);
    /// nil searches `ESPEAK_DATA_PATH` and the usual install places.
    public var dataPath: String?
    /// The longest text synthesized in one request, in UTF-8 bytes. It bounds the
    /// audio held in memory (about 2.5 kB of 16-bit audio per byte of text at 175
    /// words per minute, so 20 MB at the default), which matters on the Duo's 64 MB.
    public var maximumTextBytes: Int

    /// The defaults: on, `en-us`, 175 words per minute, volume 100, ALSA `default`,
    /// data path searched, texts up to 8 KiB.
    public init(enabled: Bool = true, voice: String = "en-us", rate: Int = 175, volume: Int = 100,
                audioDevice: String = "default", dataPath: String? = nil, maximumTextBytes: Int = 8_192) {
        self.enabled = enabled
        self.voice = voice
        self.rate = rate
        self.volume = volume
        self.audioDevice = audioDevice
        self.dataPath = dataPath
        self.maximumTextBytes = maximumTextBytes
    }

    /// Checks every value that can be checked without espeak-ng (whether the voice
    /// exists is checked when a `SpeechEngine` starts with these settings).
    public func validate() throws(SpeechError) {
        let name = Array(voice.utf8)
        if name.isEmpty || name.count > SpeechSettings.maximumVoiceNameBytes {
            throw .invalidVoiceName(voice)
        }
        for byte in name where !SpeechSettings.isVoiceNameByte(byte) {
            throw .invalidVoiceName(voice)
        }
        if !SpeechSettings.rateRange.contains(rate) { throw .invalidRate(rate) }
        if !SpeechSettings.volumeRange.contains(volume) { throw .invalidVolume(volume) }
        if maximumTextBytes < 1 { throw .invalidLimit(name: "max_text_bytes", value: maximumTextBytes) }
        if audioDevice.utf8.isEmpty { throw .audioDeviceUnavailable(device: audioDevice, reason: "empty device name") }
    }

    /// Letters, digits, `-`, `_` and `+` (espeak-ng's variant separator).
    private static func isVoiceNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "+"):
            return true
        default:
            return false
        }
    }
}
