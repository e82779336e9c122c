import CJansson
import Support

/// One owned reference to a jansson value: the service's JSON, read and written
/// through jansson's plain (non-variadic) constructors and getters.
/// Allocation failures degrade to `null` rather than crash.
final class JSON: @unchecked Sendable {
    /// What kind of value this is.
    enum Kind: Equatable {
        case object, array, string, integer, real, bool, null
    }

    let raw: UnsafeMutablePointer<json_t>

    /// Takes over a new reference (from a jansson constructor); nil becomes `null`.
    private init(owning raw: UnsafeMutablePointer<json_t>?) {
        self.raw = raw ?? json_null()
    }

    deinit { json_decref(raw) }

    // MARK: Building

    static func object() -> JSON { JSON(owning: json_object()) }
    static func array() -> JSON { JSON(owning: json_array()) }
    static func null() -> JSON { JSON(owning: json_null()) }
    static func bool(_ value: Bool) -> JSON { JSON(owning: value ? json_true() : json_false()) }
    static func integer(_ value: Int) -> JSON { JSON(owning: json_integer(json_int_t(value))) }

    /// A real; jansson cannot write NaN or infinity, so those become `null`.
    static func real(_ value: Double) -> JSON {
        value.isFinite ? JSON(owning: json_real(value)) : null()
    }

    static func string(_ value: String) -> JSON {
        var text = value
        return text.withUTF8 { string(validBytes: $0) }
    }

    /// A string from arbitrary bytes: invalid UTF-8 is replaced with U+FFFD first
    /// (jansson only holds valid UTF-8).
    static func string<Bytes: Collection>(bytes: Bytes) -> JSON where Bytes.Element == UInt8 {
        var repair = UTF8Repair()
        var valid: [UInt8] = []
        valid.reserveCapacity(bytes.count)
        repair.append(bytes, into: &valid)
        repair.finish(into: &valid)
        return valid.withUnsafeBufferPointer { string(validBytes: $0) }
    }

    /// A string from bytes known to be ASCII (base64 audio: megabytes that need no repair pass).
    static func string(ascii bytes: [UInt8]) -> JSON {
        precondition(!bytes.contains { $0 >= 0x80 || $0 == 0 }, "not ASCII")
        return bytes.withUnsafeBufferPointer { string(validBytes: $0) }
    }

    private static func string(validBytes: UnsafeBufferPointer<UInt8>) -> JSON {
        guard let base = validBytes.baseAddress, validBytes.count > 0 else { return JSON(owning: json_string("")) }
        return base.withMemoryRebound(to: CChar.self, capacity: validBytes.count) {
            JSON(owning: json_stringn($0, validBytes.count))
        }
    }

    /// An array of integers.
    static func integers<Values: Sequence>(_ values: Values) -> JSON where Values.Element == Int {
        let array = JSON.array()
        for value in values { array.append(.integer(value)) }
        return array
    }

    /// Sets member `key` of an object (the object takes its own reference).
    @discardableResult
    func set(_ key: String, _ value: JSON) -> JSON {
        _ = json_object_set(raw, key, value.raw)
        return self
    }

    /// Appends to an array.
    func append(_ value: JSON) {
        _ = json_array_append(raw, value.raw)
    }

    /// Compact UTF-8 text (reals with up to 12 significant digits).
    func serialized() -> [UInt8] {
        let flags = babyllama_json_dump_flags(12)
        let size = json_dumpb(raw, nil, 0, flags)
        if size == 0 { return Array("null".utf8) }
        var bytes = [UInt8](repeating: 0, count: size)
        let written = bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: size) {
                json_dumpb(raw, $0, size, flags)
            }
        }
        if written != size { return Array("null".utf8) }
        return bytes
    }

    // MARK: Reading

    /// Deepest nesting of arrays and objects accepted. jansson recurses once per level
    /// (up to 2048 levels, ~190 KiB of stack); requests never need more than a few, and
    /// connection threads have small stacks.
    static let maximumDepth = 64

    /// Parses one JSON text (nothing may follow it); "\u0000" is allowed inside strings.
    static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSON {
        if let offset = firstOffsetTooDeep(bytes) { throw .tooDeep(limit: maximumDepth, position: offset) }
        var error = json_error_t()
        let value: UnsafeMutablePointer<json_t>? = bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress ?? UnsafePointer<UInt8>(bitPattern: 1)!
            return base.withMemoryRebound(to: CChar.self, capacity: max(1, buffer.count)) {
                json_loadb($0, buffer.count, babyllama_json_decode_flags(), &error)
            }
        }
        if let value { return JSON(owning: value) }
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
    func member(_ key: String) -> JSON? {
        guard let value = json_object_get(raw, key) else { return nil }
        return JSON(owning: json_incref(value))
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
    var elements: [JSON] {
        let count = json_array_size(raw)
        var result: [JSON] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            if let value = json_array_get(raw, index) { result.append(JSON(owning: json_incref(value))) }
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
}

/// Why a request body is not JSON the service can read.
enum JSONParseError: Error {
    /// The body is not valid UTF-8 (RFC 8259 requires it).
    case invalidUTF8
    /// A number does not fit a 64-bit integer or a double.
    case numberOutOfRange(reason: String, position: Int)
    /// Arrays or objects nested deeper than `limit`.
    case tooDeep(limit: Int, position: Int)
    /// Any other syntax error, with jansson's explanation.
    case malformed(reason: String, line: Int, column: Int)
}
