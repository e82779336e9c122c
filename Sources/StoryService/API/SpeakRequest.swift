import StorySpeech
import Support

/// A `GET /v1/speak` request after its query has been checked: the text to say
/// and, optionally, another voice, rate or volume than the configuration's.
public struct SpeakRequest: Equatable, Sendable {
    /// The text (valid UTF-8, no NUL, not empty).
    public var text: [UInt8]
    /// espeak-ng voice name or language, e.g. `en-gb` or `en-us+f3`.
    public var voice: String?
    /// Words per minute.
    public var rate: Int?
    /// Amplitude, 0...200 (100 is normal).
    public var volume: Int?

    public init(text: [UInt8], voice: String? = nil, rate: Int? = nil, volume: Int? = nil) {
        self.text = text
        self.voice = voice
        self.rate = rate
        self.volume = volume
    }

    /// The query parameters read (others are ignored).
    public static let parameterNames = ["text", "voice", "rate", "volume"]

    /// True if the request asks for other settings than the configuration's.
    public var changesSettings: Bool { voice != nil || rate != nil || volume != nil }

    /// Checks the query's (already percent-decoded) parameters: `text` is required,
    /// non-empty, valid UTF-8 without NUL and at most `maximumTextBytes` long;
    /// `rate` and `volume` are integers in espeak-ng's ranges; `voice` is a voice name.
    /// Invalid UTF-8 is a 400, everything else a 422 naming the parameter.
    public static func parse(_ arguments: [(name: String, value: [UInt8])],
                             maximumTextBytes: Int) throws(APIError) -> SpeakRequest {
        guard let text = value(arguments, "text"), !text.isEmpty else {
            throw .invalid("'text' is required: GET /v1/speak?text=Once%20upon%20a%20time", param: "text")
        }
        if UTF8Repair.repaired(text) != text {
            throw APIError(status: 400, type: "invalid_request_error",
                           message: "'text' is not valid UTF-8 (percent-encode the UTF-8 bytes of the text)", param: "text")
        }
        if text.contains(0) { throw .invalid("'text' must not contain NUL characters", param: "text") }
        if text.count > maximumTextBytes {
            throw .invalid("'text' is \(text.count) bytes long; this server speaks at most \(maximumTextBytes) bytes at a time",
                           param: "text")
        }
        var request = SpeakRequest(text: text)
        if let voice = value(arguments, "voice") {
            var settings = SpeechSettings()
            settings.voice = String(decoding: voice, as: UTF8.self)
            do {
                try settings.validate()
            } catch {
                throw .invalid(error.message, param: "voice")
            }
            request.voice = settings.voice
        }
        if let rate = value(arguments, "rate") {
            guard let number = integer(rate), SpeechSettings.rateRange.contains(number) else {
                throw .invalid("'rate' must be an integer from \(SpeechSettings.rateRange.lowerBound) to "
                               + "\(SpeechSettings.rateRange.upperBound) (words per minute)", param: "rate")
            }
            request.rate = number
        }
        if let volume = value(arguments, "volume") {
            guard let number = integer(volume), SpeechSettings.volumeRange.contains(number) else {
                throw .invalid("'volume' must be an integer from \(SpeechSettings.volumeRange.lowerBound) to "
                               + "\(SpeechSettings.volumeRange.upperBound) (100 is normal)", param: "volume")
            }
            request.volume = number
        }
        return request
    }

    /// The first value of parameter `name`, if present.
    private static func value(_ arguments: [(name: String, value: [UInt8])], _ name: String) -> [UInt8]? {
        for argument in arguments where argument.name.utf8.elementsEqual(name.utf8) { return argument.value }
        return nil
    }

    /// A decimal integer of at most 9 digits with an optional `-` (anything longer is out of range anyway).
    private static func integer(_ bytes: [UInt8]) -> Int? {
        var digits = bytes[...]
        var sign = 1
        if digits.first == UInt8(ascii: "-") {
            sign = -1
            digits = digits.dropFirst()
        }
        if digits.isEmpty || digits.count > 9 { return nil }
        var number = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            number = number * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return sign * number
    }
}
