import Support

/// How a stream's events are written on the wire.
enum StreamFraming: Equatable, Sendable {
    /// Server-Sent Events: `data: {...}` and a blank line per event (this API's and OpenAI's streams).
    case serverSentEvents
    /// Newline-delimited JSON, one object a line (Ollama's streams).
    case jsonLines

    /// The stream's Content-Type.
    var contentType: String {
        switch self {
        case .serverSentEvents: return "text/event-stream; charset=utf-8"
        case .jsonLines: return "application/x-ndjson"
        }
    }

    /// Appends one event, framed, to `out`.
    func append(_ event: JSONValue, to out: inout [UInt8]) {
        switch self {
        case .serverSentEvents:
            out.append(contentsOf: "data: ".utf8)
            event.write(to: &out)
            out.append(contentsOf: "\n\n".utf8)
        case .jsonLines:
            event.write(to: &out)
            out.append(UInt8(ascii: "\n"))
        }
    }
}
