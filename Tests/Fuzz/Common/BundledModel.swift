import LlamaCore

/// The bundled stories260K's tokenizer and shape (models/, relative to the repository,
/// where scripts/fuzz.sh runs the targets), loaded at the first use.
enum BundledModel {
    static let config: ModelConfig = {
        do throws(LlamaError) {
            return try Checkpoint(path: "models/stories260K.bin").config
        } catch {
            fatalError("fuzz: run from the repository (scripts/fuzz.sh): \(error.message)")
        }
    }()

    static let tokenizer: Tokenizer = {
        do throws(LlamaError) {
            return try Tokenizer(path: "models/tok512.bin", vocabSize: config.vocabSize)
        } catch {
            fatalError("fuzz: run from the repository (scripts/fuzz.sh): \(error.message)")
        }
    }()
}
