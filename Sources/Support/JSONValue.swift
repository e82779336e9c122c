import CPosix

/// A JSON value to write: the command line's machine-readable output (`run --json`,
/// `tokenize`, `bench --json`) and every answer of the HTTP service. The text is
/// compact, members keep the order given, and strings are UTF-8 with only what
/// JSON requires escaped, byte for byte as jansson writes them (the service's
/// answers were jansson's before, so a story's text is the same on the wire).
public enum JSONValue {
    case null
    case bool(Bool)
    case int(Int)
    /// A number: the shortest text that reads back as the same `Double`, with `.0`
    /// when there is neither a point nor an exponent (so readers that tell integers
    /// from reals see a real), exponents without `+` or leading zeros; NaN and
    /// infinities, which JSON cannot write, become `null`.
    case double(Double)
    case string(String)
    /// A string given as bytes: each invalid UTF-8 sequence becomes U+FFFD, as
    /// `UTF8Repair` replaces it (generated text may end mid-character).
    case bytes([UInt8])
    case array([JSONValue])
    case object([(String, JSONValue)])

    /// The compact UTF-8 text.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        write(to: &out)
        return out
    }

    /// Appends the compact UTF-8 text to `out` (a stream's event buffer, say).
    public func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value): out.append(contentsOf: String(value).utf8)
        case .double(let value): JSONValue.writeNumber(value, to: &out)
        case .string(let value):
            var text = value
            text.withUTF8 { JSONValue.writeString(validUTF8: $0, to: &out) }
        case .bytes(let value):
            // ASCII (all of base64 audio, megabytes of it; most stories) needs no repair pass.
            let valid = value.contains { $0 >= 0x80 } ? UTF8Repair.repaired(value) : value
            valid.withUnsafeBufferPointer { JSONValue.writeString(validUTF8: $0, to: &out) }
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.string(key).write(to: &out)
                out.append(UInt8(ascii: ":"))
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `text` quoted, with quotes, backslashes and control bytes escaped. Runs of
    /// plain bytes are copied whole, so long strings cost little more than a copy.
    private static func writeString(validUTF8 text: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var plainStart = 0
        for index in 0..<text.count {
            let byte = text[index]
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") { continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[plainStart..<index]))
            writeEscape(byte, to: &out)
            plainStart = index + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: text[plainStart..<text.count]))
        out.append(UInt8(ascii: "\""))
    }

    /// jansson's escapes: the short forms, else `\u00XX` with upper-case hex.
    private static func writeEscape(_ byte: UInt8, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
        case 0x08: out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(UInt8(ascii: "f"))
        case UInt8(ascii: "\n"): out.append(UInt8(ascii: "n"))
        case UInt8(ascii: "\r"): out.append(UInt8(ascii: "r"))
        case UInt8(ascii: "\t"): out.append(UInt8(ascii: "t"))
        default:
            let hex = Array("0123456789ABCDEF".utf8)
            out.append(contentsOf: "u00".utf8)
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 15)])
        }
    }

    /// See `double`: 0.1 is `0.1`, 3 is `3.0`, 1e-7 is `1e-7`, 1e21 is `1e21`.
    private static func writeNumber(_ value: Double, to out: inout [UInt8]) {
        guard value.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        // "%.17g" of a finite Double is at most 24 bytes.
        var buffer = [UInt8](repeating: 0, count: 32)
        let length = buffer.withUnsafeMutableBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { Int(shim_format_shortest($0.baseAddress, $0.count, value)) }
        }
        let text = buffer[0..<min(max(length, 0), buffer.count - 1)]
        guard let exponentMark = text.firstIndex(of: UInt8(ascii: "e")) else {
            out.append(contentsOf: text)
            if !text.contains(UInt8(ascii: ".")) { out.append(contentsOf: ".0".utf8) }
            return
        }
        out.append(contentsOf: text[...exponentMark])
        var exponent = text[(exponentMark + 1)...]
        if exponent.first == UInt8(ascii: "+") {
            exponent = exponent.dropFirst()
        } else if exponent.first == UInt8(ascii: "-") {
            out.append(UInt8(ascii: "-"))
            exponent = exponent.dropFirst()
        }
        while exponent.count > 1 && exponent.first == UInt8(ascii: "0") { exponent = exponent.dropFirst() }
        out.append(contentsOf: exponent)
    }
}
