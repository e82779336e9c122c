import CPosix
import Support

/// The objects of Ollama's `/api/generate` and `/api/chat` answers: a stream's pieces
/// (`done: false`) and the last object, which is also a plain request's whole answer.
/// A generate answer's text is `response`; a chat answer's is
/// `message: {"role": "assistant", "content": ...}`.
public enum OllamaAnswer {
    /// One piece of a streamed story.
    public static func chunk(_ endpoint: OllamaRequest.Endpoint, model: String, createdAt: String,
                             text: [UInt8]) -> JSONValue {
        .object(head(endpoint, model: model, createdAt: createdAt, text: text) + [("done", .bool(false))])
    }

    /// The last object: `text` (a stream's held-back end, or a plain answer's whole story),
    /// `done: true` and the statistics; `/api/generate`'s also carries `context` (the whole
    /// sequence of ids: BOS, the prompt's, the story's). `seed` (the seed used, so the story
    /// can be told again) is this server's addition.
    public static func final(_ endpoint: OllamaRequest.Endpoint, model: String, createdAt: String, text: [UInt8],
                             statistics: OllamaStatistics, context: [Int], seed: UInt64) -> JSONValue {
        var members = head(endpoint, model: model, createdAt: createdAt, text: text)
        members.append(("done", .bool(true)))
        members.append(("done_reason", .string(statistics.doneReason)))
        if endpoint == .generate { members.append(("context", .array(context.map { .int($0) }))) }
        members += [
            ("total_duration", nanoseconds(statistics.totalNanoseconds)),
            ("load_duration", nanoseconds(statistics.loadNanoseconds)),
            ("prompt_eval_count", .int(statistics.promptEvalCount)),
            ("prompt_eval_duration", nanoseconds(statistics.promptEvalNanoseconds)),
            ("eval_count", .int(statistics.evalCount)),
            ("eval_duration", nanoseconds(statistics.evalNanoseconds)),
            ("seed", .int(Int(truncatingIfNeeded: seed))),
        ]
        return .object(members)
    }

    /// The answer to a request without a prompt: Ollama loads the model and says so
    /// (`done_reason: "load"`); here it is loaded already.
    public static func loaded(_ endpoint: OllamaRequest.Endpoint, model: String, createdAt: String) -> JSONValue {
        .object(head(endpoint, model: model, createdAt: createdAt, text: [])
            + [("done", .bool(true)), ("done_reason", .string("load"))])
    }

    private static func head(_ endpoint: OllamaRequest.Endpoint, model: String, createdAt: String,
                             text: [UInt8]) -> [(String, JSONValue)] {
        let body: (String, JSONValue)
        switch endpoint {
        case .generate: body = ("response", .bytes(text))
        case .chat: body = ("message", .object([("role", .string("assistant")), ("content", .bytes(text))]))
        }
        return [("model", .string(model)), ("created_at", .string(createdAt)), body]
    }

    private static func nanoseconds(_ value: UInt64) -> JSONValue { .int(Int(clamping: value)) }

    /// Now, as `created_at`.
    static var now: String { UTCTimestamp.rfc3339(unixNanoseconds: shim_unix_time_ns()) }
}
