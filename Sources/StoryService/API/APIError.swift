import Support

/// An error answer: the HTTP status and the body llama.cpp's server and OpenAI
/// clients read, `{"error": {"code": status, "type": ..., "message": ...}}`
/// (plus `"param"` when one request field is at fault).
public struct APIError: Error, Equatable, Sendable {
    public var status: Int
    public var type: String
    public var message: String
    /// The request member at fault, if one is.
    public var param: String?
    /// Seconds for a Retry-After header (503s).
    public var retryAfterSeconds: Int?

    public init(status: Int, type: String, message: String, param: String? = nil, retryAfterSeconds: Int? = nil) {
        self.status = status
        self.type = type
        self.message = message
        self.param = param
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// 400: the body is not JSON, or not UTF-8.
    public static func malformed(_ message: String) -> APIError {
        APIError(status: 400, type: "invalid_request_error", message: message)
    }

    /// 422: JSON of the wrong shape, or a value out of range.
    public static func invalid(_ message: String, param: String? = nil) -> APIError {
        APIError(status: 422, type: "invalid_request_error", message: message, param: param)
    }

    /// 413: the body is over the limit.
    public static func tooLarge(limit: Int) -> APIError {
        APIError(status: 413, type: "invalid_request_error",
                 message: "the request body is larger than the limit of \(limit) bytes")
    }

    /// 404: no such route.
    public static func notFound(path: String) -> APIError {
        APIError(status: 404, type: "not_found_error", message: "no such endpoint: \(path)")
    }

    /// 405: the route exists but not for this method.
    public static func methodNotAllowed(method: String, path: String, allowed: String) -> APIError {
        APIError(status: 405, type: "not_supported_error",
                 message: "\(method) is not allowed on \(path); use \(allowed)")
    }

    /// 503: try again later (queue full, model loading, shutting down).
    public static func unavailable(_ message: String, retryAfterSeconds: Int?) -> APIError {
        APIError(status: 503, type: "unavailable_error", message: message, retryAfterSeconds: retryAfterSeconds)
    }

    /// 503 while the server shuts down (without Retry-After: it is not coming back soon).
    static var shuttingDown: APIError { .unavailable("the server is shutting down", retryAfterSeconds: nil) }

    /// 501: a feature this server does not offer.
    public static func notImplemented(_ message: String, param: String? = nil) -> APIError {
        APIError(status: 501, type: "not_supported_error", message: message, param: param)
    }

    /// 500: a fault of the server's own.
    public static func server(_ message: String) -> APIError {
        APIError(status: 500, type: "server_error", message: message)
    }

    /// The JSON error object (without the outer `"error"` member).
    func errorObject() -> JSONValue {
        var members: [(String, JSONValue)] = [("code", .int(status)), ("type", .string(type)), ("message", .string(message))]
        if let param { members.append(("param", .string(param))) }
        return .object(members)
    }

    /// The whole answer, `{"error": {...}}` (also a failed stream's last event).
    var answer: JSONValue { .object([("error", errorObject())]) }

    /// The whole JSON body.
    public func body() -> [UInt8] { answer.serialized() }

    /// The answer in `shape`: `{"error": {...}}`, or Ollama's `{"error": "message"}`.
    public func answer(in shape: APIErrorShape) -> JSONValue {
        switch shape {
        case .object: return answer
        case .ollama: return .object([("error", .string(message))])
        }
    }

    /// The HTTP status in `shape` (Ollama answers a request it cannot take 400, never 422).
    public func status(in shape: APIErrorShape) -> Int {
        shape == .ollama && status == 422 ? 400 : status
    }
}
