import Support

/// What a route answers: a whole body, a stream of Server-Sent Events, or speech
/// sent as it is synthesized (with its headers).
enum HTTPAnswer {
    case body(HTTPBody)
    case stream(EventStream)
    case speech(SpeechStream, headers: [(String, String)])

    /// A JSON body.
    static func json(_ status: Int, _ value: JSONValue, headers: [(String, String)] = []) -> HTTPAnswer {
        .body(HTTPBody(status: status, contentType: "application/json", bytes: value.serialized(), headers: headers))
    }

    /// An error body, with Retry-After for 503s that have one.
    static func error(_ error: APIError, headers: [(String, String)] = []) -> HTTPAnswer {
        var all = headers
        if let seconds = error.retryAfterSeconds { all.append(("Retry-After", "\(seconds)")) }
        return .body(HTTPBody(status: error.status, contentType: "application/json", bytes: error.body(), headers: all))
    }
}

