import Support

/// What a route answers: a whole body, a stream of events, speech sent as it is
/// synthesized (with its headers), or an error.
enum HTTPAnswer {
    case body(HTTPBody)
    case stream(EventStream)
    case speech(SpeechStream, headers: [(String, String)])
    /// An error, written when it is sent in the shape its route's clients read (`Route.errorShape`).
    case failure(APIError, headers: [(String, String)])

    /// A JSON body.
    static func json(_ status: Int, _ value: JSONValue, headers: [(String, String)] = []) -> HTTPAnswer {
        .body(HTTPBody(status: status, contentType: "application/json", bytes: value.serialized(), headers: headers))
    }

    /// An error answer (its shape is the route's).
    static func error(_ error: APIError, headers: [(String, String)] = []) -> HTTPAnswer {
        .failure(error, headers: headers)
    }
}

extension HTTPBody {
    /// `error`'s body in `shape`, with Retry-After for 503s that have one.
    init(_ error: APIError, shape: APIErrorShape, headers: [(String, String)] = []) {
        var all = headers
        if let seconds = error.retryAfterSeconds { all.append(("Retry-After", "\(seconds)")) }
        self.init(status: error.status(in: shape), contentType: "application/json",
                  bytes: error.answer(in: shape).serialized(), headers: all)
    }
}

