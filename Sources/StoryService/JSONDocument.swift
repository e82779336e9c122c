import CJansson
import Support

/// A parsed JSON document (a request body, a configuration file), or one value
/// inside it: one owned reference to a jansson value, read through jansson's plain
/// (non-variadic) getters. jansson only parses; answers are written with `JSONValue`.
final class JSONDocument: @unchecked Sendable {
    /// What kind of value this is.
    enum Kind: Equatable {
        case object, array, string, integer, real, bool, null
    }

    private let raw: UnsafeMutablePointer<json_t>

    /// Takes over a reference (from json_loadb, or a getter's value after json_incref).
    private init(owning raw: UnsafeMutablePointer<json_t>) {
        self.raw = raw
    }

    deinit { json_decref(raw) }

    /// Deepest nesting of arrays and objects accepted. jansson recurses once per level
    /// (up to 2048 levels, ~190 KiB of stack); requests never need more than a few, and
    /// connection threads have small stacks.
    static let maximumDepth = 64

    /// Parses one JSON text (nothing may follow it); "\u0000" is allowed inside strings.
    static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONDocument {
        if let offset = firstOffsetTooDeep(bytes) { throw .tooDeep(limit: maximumDepth, position: offset) }
        var error = json_error_t()
        let value: UnsafeMutablePointer<json_t>? = bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress ?? UnsafePointer<UInt8>(bitPattern: 1)!
            return base.withMemoryRebound(to: CChar.self, capacity: max(1, buffer.count)) {
                json_loadb($0, buffer.count, babyllama_json_decode_flags(), &error)
            }
        }
        if let value { return JSONDocument(owning: value) }
        let reason = withUnsafeBytes(of: &error.text) { raw -> String in
            let limit = raw.firstIndex(of: 0) ?? raw.count
            return String(decoding: raw[0..<limit], as: UTF8.self)
        }
        let code = babyllama_json_error_code(&error)
        if code == babyllama_json_error_invalid_utf8() { throw .invalidUTF8 }
        if code == babyllama_json_error_numeric_overflow() {
            throw .numberOutOfRange(reason: reason, position: Int(error.position))
        }
        if bytes.isEmpty { throw .malformed(reason: "the body is empty", line: 1, column: 0) }
        throw .malformed(reason: reason, line: Int(error.line), column: Int(error.column))
    }

    /// The offset of the first bracket that opens level `maximumDepth + 1`, or nil. Brackets
    /// inside strings do not count; whether the text is valid JSON is jansson's business.
    private static func firstOffsetTooDeep(_ bytes: [UInt8]) -> Int? {
        var depth = 0
        var inString = false
        var escaped = false
        for (offset, byte) in bytes.enumerated() {
            if inString {
                if escaped { escaped = false }
                else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > maximumDepth { return offset }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return nil
    }

    var kind: Kind {
        switch babyllama_json_type(raw) {
        case Int32(JSON_OBJECT.rawValue): return .object
        case Int32(JSON_ARRAY.rawValue): return .array
        case Int32(JSON_STRING.rawValue): return .string
        case Int32(JSON_INTEGER.rawValue): return .integer
        case Int32(JSON_REAL.rawValue): return .real
        case Int32(JSON_TRUE.rawValue), Int32(JSON_FALSE.rawValue): return .bool
        default: return .null
        }
    }

    /// Member `key` of an object, or nil when absent (or this is not an object).
    func member(_ key: String) -> JSONDocument? {
        guard let value = json_object_get(raw, key) else { return nil }
        return JSONDocument(owning: json_incref(value))
    }

    /// The member names of an object, in jansson's order (empty for other kinds).
    var keys: [String] {
        var result: [String] = []
        var iterator = json_object_iter(raw)
        while let current = iterator {
            if let key = json_object_iter_key(current) { result.append(String(cString: key)) }
            iterator = json_object_iter_next(raw, current)
        }
        return result
    }

    /// Elements of an array (empty when this is not an array).
    var elements: [JSONDocument] {
        let count = json_array_size(raw)
        var result: [JSONDocument] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            if let value = json_array_get(raw, index) { result.append(JSONDocument(owning: json_incref(value))) }
        }
        return result
    }

    /// The UTF-8 bytes of a string (which may hold NUL), or nil when this is not a string.
    var stringBytes: [UInt8]? {
        guard kind == .string, let text = json_string_value(raw) else { return nil }
        let length = json_string_length(raw)
        return text.withMemoryRebound(to: UInt8.self, capacity: max(1, length)) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    /// The value of an integer, or nil when this is not an integer.
    var integerValue: Int64? {
        kind == .integer ? Int64(json_integer_value(raw)) : nil
    }

    /// The value of an integer or a real, or nil when this is not a number.
    var numberValue: Double? {
        switch kind {
        case .integer: return Double(json_integer_value(raw))
        case .real: return json_real_value(raw)
        default: return nil
        }
    }

    /// The value of `true` or `false`, or nil when this is not a boolean.
    var boolValue: Bool? {
        kind == .bool ? babyllama_json_type(raw) == Int32(JSON_TRUE.rawValue) : nil
    }

    /// The same value to write back out (members in jansson's order).
    var value: JSONValue {
        switch kind {
        case .object: return .object(keys.map { ($0, member($0)?.value ?? .null) })
        case .array: return .array(elements.map { $0.value })
        case .string: return .bytes(stringBytes ?? [])
        case .integer: return .int(Int(integerValue ?? 0))
        case .real: return .double(numberValue ?? 0)
        case .bool: return .bool(boolValue ?? false)
        case .null: return .null
        }
    }
}
