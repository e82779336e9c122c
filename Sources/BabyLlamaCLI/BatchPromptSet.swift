import LlamaCore
import StoryService
import Support

/// `batch`'s input, read and checked: a story for each good line, an error line for
/// each bad one (its line number, its id when it had one, the reason as the HTTP API
/// gives it), so one bad prompt loses nothing else.
struct BatchPromptSet {
    /// One story to tell.
    struct Story {
        /// 1-based line of the input.
        var line: Int
        var id: JSONValue
        var plan: GenerationPlan
    }

    private(set) var stories: [Story] = []
    /// The error lines, ready to write.
    private(set) var errors: [JSONValue] = []

    /// Reads `lines` (JSON Lines; blank lines are skipped) for a model of `config`.
    init(lines bytes: [UInt8], tokenizer: Tokenizer, config: ModelConfig) {
        var lineNumber = 0
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var text = Array(line)
            if text.last == UInt8(ascii: "\r") { text.removeLast() }
            if text.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { continue }
            let (id, request) = GenerationRequest.parseBatchLine(text)
            do throws(APIError) {
                let plan = try GenerationPlan(request: request.get(), tokenizer: tokenizer, config: config)
                stories.append(Story(line: lineNumber, id: id, plan: plan))
            } catch {
                errors.append(.object([
                    ("line", .int(lineNumber)), ("id", id),
                    ("error", .object([("code", .int(error.status)), ("type", .string(error.type)),
                                       ("message", .string(error.message))])),
                ]))
            }
        }
    }
}
