import LlamaCore
import Support

/// `babyllama tokenize`: the ids run.c's `encode` gives, as a JSON array.
struct TokenizeCommand: Command {
    static let spec = CommandSpec(
        name: "tokenize",
        abstract: "Encode text into token ids (a JSON array on stdout).",
        positionals: "TEXT",
        options: [
            OptionSpec("tokenizer", short: "z", value: "FILE", help: "Tokenizer file (default models/tokenizer.bin)."),
            OptionSpec("vocab-size", value: "N", help: "Vocabulary size of the tokenizer's model (default 32000)."),
            .flag("no-bos", help: "Do not prepend BOS."),
            .flag("eos", help: "Append EOS."),
        ])

    let text: String
    let tokenizerPath: String
    let vocabSize: Int
    let bos: Bool
    let eos: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        text = try arguments.onlyPositional("TEXT")
        tokenizerPath = arguments.value("tokenizer") ?? "models/tokenizer.bin"
        vocabSize = try arguments.integer("vocab-size", 32000, in: 1...(1 << 22))
        bos = !arguments.has("no-bos")
        eos = arguments.has("eos")
    }

    func run() -> Int32 {
        do {
            let tokenizer = try Tokenizer(path: tokenizerPath, vocabSize: vocabSize)
            let ids = tokenizer.encode(text, bos: bos, eos: eos)
            standardOutput(JSONValue.array(ids.map { .int($0) }).serialized() + [UInt8(ascii: "\n")])
            return 0
        } catch {
            return failure(error.message)
        }
    }
}
