import Support

/// A JSON value for the command line's machine-readable output (`run --json`,
/// `tokenize`, `bench --json`), members kept in the order given.
enum JSONValue {
    case int(Int)
    /// A number written with six decimals (Embedded Swift prints no floating point
    /// itself); NaN and infinities become `null`.
    case double(Double)
    case string(String)
    /// A string given as bytes: invalid UTF-8 becomes U+FFFD.
    case bytes([UInt8])
    case bool(Bool)
    case array([JSONValue])
    case object([(String, JSONValue)])

    func serialized() -> String {
        var out: [UInt8] = []
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func write(to out: inout [UInt8]) {
        switch self {
        case .int(let value): out += Array(String(value).utf8)
        case .double(let value): out += Array((value.isFinite ? FixedDecimal.format(value, decimals: 6) : "null").utf8)
        case .bool(let value): out += Array((value ? "true" : "false").utf8)
        case .string(let value): JSONValue.writeString(Array(value.utf8), to: &out)
        case .bytes(let value): JSONValue.writeString(value, to: &out)
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
                JSONValue.writeString(Array(key.utf8), to: &out)
                out.append(UInt8(ascii: ":"))
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `bytes` as a quoted JSON string: quotes, backslashes and control bytes escaped,
    /// invalid UTF-8 replaced by U+FFFD.
    private static func writeString(_ bytes: [UInt8], to out: inout [UInt8]) {
        let valid = Array(String(decoding: bytes, as: UTF8.self).utf8)
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in valid {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20: out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
