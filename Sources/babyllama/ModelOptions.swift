import ArgumentParser
import LlamaCore
import StorySpeech

/// Options shared by every command that loads a model.
struct ModelOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("llama2.c checkpoint: v0 (fp32, run.c) or v2 (Q8_0, runq.c). Default: the bundled stories260K (models/stories260K.bin; its tokenizer tok512.bin is found beside it).", valueName: "checkpoint"))
    var checkpointArgument: String?

    /// The checkpoint named, or the bundled model.
    var checkpoint: String { checkpointArgument ?? BundledModel.path() }

    @Option(name: [.customShort("z"), .long],
            help: "Tokenizer file (default: tok<vocab>.bin or tokenizer.bin beside the checkpoint, then models/).")
    var tokenizer: String?

    @Option(name: .long, help: "Threads for the matmuls (default: all CPUs).")
    var threads: Int?

    @Option(name: .long, help: "Kernels: simd (fast) or scalar (run.c's arithmetic, bit for bit, one thread).")
    var kernels: KernelOption = .simd

    @Option(name: .long, help: "Weights in memory: f32 (as stored) or f16 (fp32 checkpoints, converted at load).")
    var weights: WeightOption = .f32

    func validate() throws {
        if let threads, threads < 1 || threads > 256 {
            throw ValidationError("--threads must be between 1 and 256, got \(threads)")
        }
    }

    /// Loads the checkpoint and builds a transformer over a worker pool.
    func loadTransformer() throws -> Transformer {
        let checkpoint = try Checkpoint(path: self.checkpoint)
        let pool = WorkerPool(threadCount: threads ?? processorCount)
        return try Transformer(checkpoint: checkpoint, pool: pool, kernels: kernels.choice,
                                   weightMode: weights.mode)
    }

    /// Loads the tokenizer named by `-z`, or finds one with the model's vocabulary size.
    func loadTokenizer(vocabSize: Int) throws -> Tokenizer {
        try TokenizerSearch.load(path: tokenizer, checkpointPath: checkpoint, vocabSize: vocabSize)
    }
}

enum KernelOption: String, ExpressibleByArgument, CaseIterable {
    case simd, scalar
    var choice: KernelChoice { self == .simd ? .simd : .scalar }
}

/// Runs `body`, turning engine and speech errors into one line on stderr and exit status 1.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as LlamaError {
        standardError("babyllama: error: \(error.message)\n")
        throw ExitCode(1)
    } catch let error as SpeechError {
        standardError("babyllama: error: \(error.message)\n")
        throw ExitCode(1)
    }
}
