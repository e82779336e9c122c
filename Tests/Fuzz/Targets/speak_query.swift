// GET /v1/speak's query: the bytes after `?`, split and percent-decoded as
// libmicrohttpd does (`&` between arguments, `+` is a space, `%XX`, the first
// value of a name wins), then SpeakRequest.parse as the server calls it. Any query
// is a request within the documented bounds, or a 400/422 with the JSON error shape.
@testable import StoryService
import StorySpeech
import Support

/// The default `speech.max_text_bytes` is the one the server uses unless configured.
let maximumTextBytes = ServiceConfig().speech.maximumTextBytes

func fuzz(_ input: [UInt8]) {
    var arguments: [(name: String, value: [UInt8])] = []
    for name in SpeakRequest.parameterNames {
        if let value = firstValue(input, name) { arguments.append((name, value)) }
    }
    do {
        let request = try SpeakRequest.parse(arguments, maximumTextBytes: maximumTextBytes)
        expect(!request.text.isEmpty && request.text.count <= maximumTextBytes, "text of \(request.text.count) bytes")
        expect(!request.text.contains(0) && UTF8Repair.repaired(request.text) == request.text, "text is not clean UTF-8")
        expect(request.rate.map { SpeechSettings.rateRange.contains($0) } ?? true, "rate out of range")
        expect(request.volume.map { SpeechSettings.volumeRange.contains($0) } ?? true, "volume out of range")
    } catch {
        expectErrorShape(error, statuses: [400, 422], context: "speak query")
    }
}

/// The percent-decoded value of the first argument called `name` (empty without `=`).
func firstValue(_ query: [UInt8], _ name: String) -> [UInt8]? {
    for argument in query.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
        let equals = argument.firstIndex(of: UInt8(ascii: "="))
        let key = decoded(argument[..<(equals ?? argument.endIndex)])
        guard key.elementsEqual(name.utf8) else { continue }
        return equals.map { decoded(argument[($0 + 1)...]) } ?? []
    }
    return nil
}

/// libmicrohttpd's unescaping: `+` is a space, `%XX` a byte, anything else as it is.
func decoded(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
    var result: [UInt8] = []
    var index = bytes.startIndex
    while index < bytes.endIndex {
        let byte = bytes[index]
        if byte == UInt8(ascii: "+") {
            result.append(0x20)
        } else if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                  let high = hexDigit(bytes[index + 1]), let low = hexDigit(bytes[index + 2]) {
            result.append(high << 4 | low)
            index += 2
        } else {
            result.append(byte)
        }
        index += 1
    }
    return result
}

func hexDigit(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}
