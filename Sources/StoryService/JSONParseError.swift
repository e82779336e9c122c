/// Why a request body or a configuration file is not JSON the service can read.
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

extension JSONParseError {
    /// A one-line description.
    var message: String {
        switch self {
        case .invalidUTF8: return "the text is not valid UTF-8"
        case .numberOutOfRange(let reason, _): return "a number is out of range (\(reason))"
        case .tooDeep(let limit, let position):
            return "malformed JSON: nested more than \(limit) levels deep at byte \(position)"
        case .malformed(let reason, let line, let column):
            return "malformed JSON at line \(line), column \(column): \(reason)"
        }
    }
}
