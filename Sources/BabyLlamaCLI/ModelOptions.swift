import LlamaCore

/// The options of every command that loads a model: the checkpoint (the bundled
/// stories260K when none is named), its tokenizer, threads, kernels and weight format.
struct ModelOptions {
    static let options = [
        OptionSpec("tokenizer", short: "z", value: "FILE",
                   help: "Tokenizer (default: tok<vocab>.bin or tokenizer.bin beside the checkpoint, then models/)."),
        OptionSpec("threads", value: "N", help: "Threads for the matmuls, 1-256 (default: all CPUs)."),
        OptionSpec("kernels", value: "simd|scalar",
                   help: "simd (fast) or scalar (run.c's arithmetic, bit for bit, one thread)."),
        OptionSpec("weights", value: "f32|f16",
                   help: "Weights in memory: f32 (as stored) or f16 (fp32 checkpoints, converted at load)."),
    ]

    static let checkpointNote = """
        CHECKPOINT: a llama2.c checkpoint, v0 (fp32, run.c) or v2 (Q8_0, runq.c); default: the
        bundled stories260K (models/stories260K.bin, its tokenizer tok512.bin beside it).
        """

    let checkpointPath: String
    let tokenizerPath: String?
    let threads: Int
    let kernels: KernelChoice
    let weights: WeightMode

    /// The options, the checkpoint being the one positional argument (if any).
    init(_ arguments: ParsedArguments) throws(UsageError) {
        try self.init(arguments, checkpoint: arguments.optionalPositional())
    }

    /// The options with `checkpoint` named apart (nil: the bundled model).
    init(_ arguments: ParsedArguments, checkpoint: String?) throws(UsageError) {
        checkpointPath = checkpoint ?? BundledModel.path()
        tokenizerPath = arguments.value("tokenizer")
        threads = try arguments.integer("threads", processorCount, in: 1...256)
        kernels = try arguments.choice("kernels", "simd", ["simd", "scalar"]) == "simd" ? .simd : .scalar
        weights = try arguments.choice("weights", "f32", ["f32", "f16"]) == "f32" ? .asStored : .float16
    }

    /// Loads the checkpoint and builds a transformer over a worker pool (see
    /// `Transformer.init` for the batch and cache capacities). `cacheCapacity` says,
    /// from the model's shape, how many positions the transformer's own cache holds:
    /// what the command will feed, never more than the context (0: none).
    func loadTransformer(batchCapacity: Int = 32,
                         cacheCapacity: (ModelConfig) -> Int) throws(LlamaError) -> Transformer {
        let checkpoint = try Checkpoint(path: checkpointPath)
        return try Transformer(checkpoint: checkpoint, pool: WorkerPool(threadCount: kernels == .scalar ? 1 : threads),
                               kernels: kernels, weightMode: weights, batchCapacity: batchCapacity,
                               cacheCapacity: min(cacheCapacity(checkpoint.config), checkpoint.config.seqLen))
    }

    /// Loads the tokenizer named by `-z`, or finds one with the model's vocabulary size.
    func loadTokenizer(vocabSize: Int) throws(LlamaError) -> Tokenizer {
        try TokenizerSearch.load(path: tokenizerPath, checkpointPath: checkpointPath, vocabSize: vocabSize)
    }
}
