import LlamaCore

/// Where `run` (host and Duo) finds a tokenizer when `-z` names none: one with the
/// model's vocabulary beside the checkpoint, then in models/, then here.
enum TokenizerSearch {
    /// The tokenizer at `path`, or the first candidate with `vocabSize` pieces.
    static func load(path: String?, checkpointPath: String, vocabSize: Int) throws(LlamaError) -> Tokenizer {
        if let path { return try Tokenizer(path: path, vocabSize: vocabSize) }
        let folder = directoryName(checkpointPath)
        let candidates = ["\(folder)/tok\(vocabSize).bin", "\(folder)/tokenizer.bin",
                          "models/tok\(vocabSize).bin", "models/tokenizer.bin", "tokenizer.bin"]
        for candidate in candidates where fileExists(candidate) {
            do {
                return try Tokenizer(path: candidate, vocabSize: vocabSize)
            } catch .vocabularyMismatch {
                continue
            }
        }
        throw LlamaError.invalidArgument(
            "no tokenizer with \(vocabSize) pieces found beside the checkpoint or in models/; pass -z FILE")
    }
}
