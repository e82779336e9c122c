// The JSON layer: jansson's parser behind JSONDocument (the depth limit, the error
// mapping) and Support's writer JSONValue, checked against each other. Whatever
// parses, written out, parses again to the same text; any bytes written as a JSON
// string read back as their UTF-8 repair (also when repaired piece by piece, as a
// stream's tokens are); any Double or Int written reads back as the same value.
@testable import StoryService
import Support

func fuzz(_ input: [UInt8]) {
    if let document = try? JSONDocument.parse(input) {
        let text = document.value.serialized()
        guard let again = try? JSONDocument.parse(text) else {
            fatalError("fuzz: property failed: written JSON does not parse: \(String(decoding: text, as: UTF8.self))")
        }
        expect(again.value.serialized() == text, "written JSON reads back differently")
    }

    // Strings: escaping and UTF-8 repair, whole and in two pieces split at the first byte's value.
    let repaired = UTF8Repair.repaired(input)
    let split = input.isEmpty ? 0 : Int(input[0]) % (input.count + 1)
    var repair = UTF8Repair()
    var streamed: [UInt8] = []
    repair.append(input[..<split], into: &streamed)
    repair.append(input[split...], into: &streamed)
    repair.finish(into: &streamed)
    expect(streamed == repaired, "UTF8Repair differs when fed in two pieces")
    let quoted = JSONValue.bytes(input).serialized()
    let string = try? JSONDocument.parse(quoted)
    expect(string?.stringBytes == repaired, "a written string reads back differently")

    // Numbers: the first 8 bytes as a Double's and an Int's bit pattern.
    if input.count >= 8 {
        let bits = input[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let double = Double(bitPattern: bits)
        let number = try? JSONDocument.parse(JSONValue.double(double).serialized())
        if double.isFinite {
            expect(number?.numberValue?.bitPattern == double.bitPattern, "\(double) reads back as \(String(describing: number?.numberValue))")
        } else {
            expect(number?.kind == .null, "a non-finite Double is not written as null")
        }
        let integer = Int(truncatingIfNeeded: bits)
        let read = try? JSONDocument.parse(JSONValue.int(integer).serialized())
        expect(read?.integerValue == Int64(integer), "\(integer) reads back differently")
    }
}
