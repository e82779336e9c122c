import ArgumentParser
import LlamaCore

/// `babyllama tokenize`: the ids run.c's `encode` gives, as a JSON array.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Encode text into token ids (JSON array on stdout).")

    @Option(name: [.customShort("z"), .long], help: "Tokenizer file.")
    var tokenizer: String = "models/tokenizer.bin"

    @Option(name: .long, help: "Vocabulary size of the tokenizer's model.")
    var vocabSize: Int = 32000

    @Flag(name: .long, help: "Do not prepend BOS.")
    var noBos = false

    @Flag(name: .long, help: "Append EOS.")
    var eos = false

    @Argument(help: "Text to encode.")
    var text: String

    func validate() throws {
        if vocabSize < 1 { throw ValidationError("--vocab-size must be positive") }
    }

    func run() throws {
        try reportingErrors {
            let tokenizer = try Tokenizer(path: tokenizer, vocabSize: vocabSize)
            let ids = tokenizer.encode(text, bos: !noBos, eos: eos)
            print(JSONValue.array(ids.map { .int($0) }).serialized())
        }
    }
}
