import CPosix
import LlamaCore
import Support

/// The loaded model: checkpoint, transformer and tokenizer, and what `GET /v1/model` says
/// about them. `add` is only ever called from the engine's one worker thread, which runs
/// the batch; everything else here is read-only and safe from any thread.
public final class StoryEngine: @unchecked Sendable {
    public let checkpoint: Checkpoint
    public let tokenizer: Tokenizer
    /// Has no key/value cache of its own: each story in the batch brings one, sized for it.
    public let transformer: Transformer
    /// Path the tokenizer was read from.
    public let tokenizerPath: String
    /// SHA-256 of the checkpoint file, hex.
    public let sha256: String
    /// Threads splitting the matmuls.
    public let threadCount: Int
    /// Rows one forward pass takes at least: prompts are fed this many positions a step
    /// (less the batch's decoding rows), as `babyllama run` feeds them.
    static let minimumBatchRows = 32

    /// Maps the checkpoint, reads the tokenizer (it must have the model's vocabulary) and
    /// hashes the file; the transformer takes a step of `maxBatch` stories.
    public init(checkpointPath: String, tokenizerPath: String, threads: Int, maxBatch: Int) throws(LlamaError) {
        let checkpoint = try Checkpoint(path: checkpointPath)
        let tokenizer = try Tokenizer(path: tokenizerPath, vocabSize: checkpoint.config.vocabSize)
        let pool = WorkerPool(threadCount: threads)
        self.transformer = try Transformer(checkpoint: checkpoint, pool: pool, kernels: .simd,
                                           batchCapacity: max(StoryEngine.minimumBatchRows, maxBatch), cacheCapacity: 0)
        self.checkpoint = checkpoint
        self.tokenizer = tokenizer
        self.tokenizerPath = tokenizerPath
        self.threadCount = pool.threadCount
        self.sha256 = SHA256.hex(of: checkpoint.file.bytes)
    }

    public var config: ModelConfig { checkpoint.config }

    /// Adds `job`'s story to `batch` (it joins at the next step; its cache is allocated
    /// now, and a refusal is thrown). Each generated token goes to the job as it is
    /// decided; the story stops at the next token once the job is cancelled (its client
    /// left, or the server is stopping). When it ends, the job gets its result, then
    /// `onFinish` is called (on the batch's thread, inside its step).
    func add(_ job: GenerationJob, to batch: GenerationBatch, metrics: Metrics,
             onFinish: @escaping (GenerationResult) -> Void) throws(LlamaError) {
        var lastTokenTime = shim_monotonic_ns()
        let tokenizer = self.tokenizer
        try batch.add(promptTokens: job.promptTokens, steps: job.steps, sampler: job.plan.sampler(vocabSize: config.vocabSize),
                      onToken: { event in
                          if job.isCancelled { return false }
                          let now = shim_monotonic_ns()
                          if event.isPrompt {
                              // The first generated token's latency is then one step, not the whole prompt.
                              lastTokenTime = now
                              return true
                          }
                          metrics.observeTokenLatency(nanoseconds: now - lastTokenTime)
                          lastTokenTime = now
                          job.deliver(token: event.token, bytes: tokenizer.decode(previous: event.previous, token: event.token))
                          return !job.isCancelled
                      },
                      onFinish: { result in
                          job.finish(result)
                          onFinish(result)
                      })
    }

    /// What `GET /v1/model` answers.
    func describe() -> JSONValue {
        let shape = JSONValue.object([
            ("dim", .int(config.dim)),
            ("hidden_dim", .int(config.hiddenDim)),
            ("layers", .int(config.layerCount)),
            ("heads", .int(config.headCount)),
            ("kv_heads", .int(config.kvHeadCount)),
            ("head_size", .int(config.headSize)),
            ("vocab_size", .int(config.vocabSize)),
            ("seq_len", .int(config.seqLen)),
        ])
        return .object([
            ("file", .string(checkpoint.path)),
            ("format", .string(checkpoint.format.name)),
            ("size_bytes", .int(checkpoint.file.size)),
            ("sha256", .string(sha256)),
            ("shape", shape),
            ("shared_classifier", .bool(checkpoint.sharedClassifier)),
            ("tokenizer", .object([("file", .string(tokenizerPath)), ("vocab_size", .int(tokenizer.vocabSize))])),
            ("threads", .int(threadCount)),
        ])
    }

    /// The checkpoint's file name (the OpenAI answers' `model`).
    var modelName: String { StoryEngine.fileName(of: checkpoint.path) }

    /// The last component of `path`.
    static func fileName(of path: String) -> String {
        let bytes = Array(path.utf8)
        let start = (bytes.lastIndex(of: UInt8(ascii: "/")) ?? -1) + 1
        return String(decoding: bytes[start...], as: UTF8.self)
    }
}
