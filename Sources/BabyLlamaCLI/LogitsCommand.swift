import LlamaCore

/// `babyllama logits`: teacher-forced logits at chosen positions, as a NumPy `.npy`
/// file, for comparing with a reference.
struct LogitsCommand: Command {
    static let spec = CommandSpec(
        name: "logits",
        abstract: "Write teacher-forced logits (float32 .npy, shape [positions, vocab]).",
        positionals: "[CHECKPOINT]",
        notes: [ModelOptions.checkpointNote],
        options: [
            OptionSpec("tokens", value: "ID,ID,...", help: "Token ids to feed, BOS first (required)."),
            OptionSpec("positions", value: "P,P,...", help: "Positions to keep (default: all)."),
            OptionSpec("out", value: "FILE.npy", help: "Output file (required)."),
        ] + ModelOptions.options)

    let model: ModelOptions
    let tokenList: String
    let positionList: String?
    let out: String

    init(_ arguments: ParsedArguments) throws(UsageError) {
        model = try ModelOptions(arguments)
        guard let tokenList = arguments.value("tokens") else { throw UsageError("--tokens is required") }
        guard let out = arguments.value("out") else { throw UsageError("--out is required") }
        self.tokenList = tokenList
        positionList = arguments.value("positions")
        self.out = out
    }

    func run() -> Int32 {
        do {
            try write()
            return 0
        } catch {
            return failure(error.message)
        }
    }

    private func write() throws(LlamaError) {
        let tokens = try LogitsCommand.integers(tokenList, name: "--tokens")
        if tokens.isEmpty { throw .invalidArgument("--tokens is empty") }
        let positions = try positionList.map { text throws(LlamaError) in
            try LogitsCommand.integers(text, name: "--positions")
        }
        let transformer = try model.loadTransformer { _ in tokens.count }
        let config = transformer.config
        if tokens.count > config.seqLen { throw .promptTooLong(tokens: tokens.count, limit: config.seqLen) }
        if let bad = tokens.first(where: { $0 < 0 || $0 >= config.vocabSize }) {
            throw .invalidArgument("token id \(bad) is outside the vocabulary (0..<\(config.vocabSize))")
        }
        let kept = positions ?? Array(0..<tokens.count)
        if let bad = kept.first(where: { $0 < 0 || $0 >= tokens.count }) {
            throw .invalidArgument("position \(bad) is outside 0..<\(tokens.count)")
        }
        var rows = [[Float]](repeating: [], count: tokens.count)
        var wanted = [Bool](repeating: false, count: tokens.count)
        for position in kept { wanted[position] = true }
        for (position, token) in tokens.enumerated() {
            let logits = transformer.forward(token: token, position: position)
            if wanted[position] { rows[position] = Array(logits) }
        }
        var data: [UInt8] = []
        for position in kept { rows[position].withUnsafeBytes { data.append(contentsOf: $0) } }
        guard writeFile(out, NumpyFile.float32(data, shape: [kept.count, config.vocabSize])) else {
            throw .cannotOpen(path: out, reason: "cannot write the file")
        }
    }

    /// A comma-separated list of integers.
    private static func integers(_ text: String, name: String) throws(LlamaError) -> [Int] {
        var values: [Int] = []
        for part in text.split(separator: ",") {
            let digits = String(part.filter { $0 != " " })
            guard let value = Int(digits) else { throw .invalidArgument("\(name): '\(part)' is not an integer") }
            values.append(value)
        }
        return values
    }
}
