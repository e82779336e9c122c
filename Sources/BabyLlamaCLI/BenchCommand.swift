import CPosix
import LlamaCore

/// `babyllama bench`: reproducible speed figures — median decode and prefill tokens
/// per second over several runs after a warm-up, ms per token, weight bytes streamed
/// per token and resident memory; `--compare` measures the scalar reference and the
/// fast paths in one process and gives their ratios.
struct BenchCommand: Command {
    static let spec = CommandSpec(
        name: "bench",
        abstract: "Measure decode and prefill speed (median of several runs).",
        positionals: "[CHECKPOINT]",
        notes: [ModelOptions.checkpointNote],
        options: [
            OptionSpec("steps", value: "N", help: "Decode positions per run, from BOS, greedy (run.c's -n; default 256)."),
            OptionSpec("prompt-tokens", value: "N", help: "Prompt tokens fed in batches per run (0 skips prefill; default 200)."),
            OptionSpec("runs", value: "N", help: "Measured runs after one warm-up run, 1-1000 (default 5)."),
            .flag("compare", help: "Measure scalar, SIMD on 1 thread, SIMD on all threads (and f16) in one run."),
            .flag("json", help: "Print JSON instead of text."),
        ] + ModelOptions.options)

    let model: ModelOptions
    let steps: Int
    let promptTokens: Int
    let runs: Int
    let compare: Bool
    let json: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        model = try ModelOptions(arguments)
        steps = try arguments.integer("steps", 256, in: 1...(1 << 20))
        promptTokens = try arguments.integer("prompt-tokens", 200, in: 0...(1 << 20))
        runs = try arguments.integer("runs", 5, in: 1...1000)
        compare = arguments.has("compare")
        json = arguments.has("json")
    }

    func run() -> Int32 {
        do throws(LlamaError) {
            let checkpoint = try Checkpoint(path: model.checkpointPath)
            let config = checkpoint.config
            if steps > config.seqLen || promptTokens > config.seqLen {
                throw LlamaError.invalidArgument(
                    "--steps and --prompt-tokens must not exceed the context (\(config.seqLen))")
            }
            var setups: [BenchSetup] = []
            if compare {
                setups.append(BenchSetup(kernels: .scalar, weightMode: .asStored, threads: 1))
                setups.append(BenchSetup(kernels: .simd, weightMode: .asStored, threads: 1))
                if model.threads > 1 { setups.append(BenchSetup(kernels: .simd, weightMode: .asStored, threads: model.threads)) }
                if checkpoint.format == .float32 {
                    setups.append(BenchSetup(kernels: .simd, weightMode: .float16, threads: model.threads))
                }
            } else {
                setups.append(BenchSetup(kernels: model.kernels, weightMode: model.weights,
                                         threads: model.kernels == .scalar ? 1 : model.threads))
            }
            var results: [BenchResult] = []
            for setup in setups {
                results.append(try measure(checkpoint, setup))
            }
            // Then the host's streaming-read bandwidth for each thread count (after the
            // runs, so their resident-memory figures do not count its buffer).
            var streams: [(threads: Int, bytesPerSecond: Double)] = []
            for index in results.indices {
                let threads = results[index].setup.threads
                if let known = streams.first(where: { $0.threads == threads }) {
                    results[index].streamReadBytesPerSecond = known.bytesPerSecond
                } else {
                    let rate = MemoryBandwidth.streamingRead(pool: WorkerPool(threadCount: threads),
                                                            byteCount: BenchCommand.streamBytes)
                    results[index].streamReadBytesPerSecond = rate
                    streams.append((threads, rate))
                }
            }
            let report = BenchReport(checkpoint: checkpoint, steps: steps, promptTokens: promptTokens, runs: runs,
                                     results: results)
            standardOutput(Array((json ? report.json() : report.text()).utf8))
            return 0
        } catch {
            return failure(error.message)
        }
    }

    /// Runs the warm-up and the measured runs of one setup.
    private func measure(_ checkpoint: Checkpoint, _ setup: BenchSetup) throws(LlamaError) -> BenchResult {
        let transformer = try Transformer(checkpoint: checkpoint, pool: WorkerPool(threadCount: setup.threads),
                                          kernels: setup.kernels, weightMode: setup.weightMode,
                                          cacheCapacity: max(steps, promptTokens))
        let vocabSize = checkpoint.config.vocabSize
        // A fixed prompt of pseudo-random ids (the speed does not depend on which).
        var prompt = [Tokenizer.bos]
        for index in 1..<max(1, promptTokens) { prompt.append(3 + (index * 7919) % (vocabSize - 3)) }
        var decodeRates: [Double] = []
        var prefillRates: [Double] = []
        for run in 0...runs {
            var token = Tokenizer.bos
            let decodeStart = shim_monotonic_ns()
            for position in 0..<steps {
                token = Sampler.argmax(transformer.forward(token: token, position: position))
            }
            let decodeEnd = shim_monotonic_ns()
            var prefillRate = 0.0
            if promptTokens > 0 {
                let prefillStart = shim_monotonic_ns()
                transformer.prefill(Array(prompt.prefix(promptTokens)), startPosition: 0)
                prefillRate = Double(promptTokens) / (Double(shim_monotonic_ns() - prefillStart) / 1e9)
            }
            if run == 0 { continue }  // warm-up: page faults, caches, thread start
            decodeRates.append(Double(steps) / (Double(decodeEnd - decodeStart) / 1e9))
            prefillRates.append(prefillRate)
        }
        return BenchResult(setup: setup, decode: RateSummary(decodeRates), prefill: RateSummary(prefillRates),
                           weightBytesPerToken: BenchCommand.decodeWeightBytes(transformer.weights),
                           streamReadBytesPerSecond: 0,
                           residentKiB: Int(shim_current_rss_kib()), peakResidentKiB: Int(shim_peak_rss_kib()))
    }

    /// The buffer the streaming-read figure reads: several times any last-level cache,
    /// but no more than a quarter of the machine's memory (the Duo has 64 MB).
    static var streamBytes: Int {
        let quarter = Int(shim_physical_memory_bytes()) / 4
        return min(MemoryBandwidth.defaultMiB << 20, quarter > 0 ? quarter : 16 << 20)
    }

    /// Bytes of weights one decode step reads: every layer matrix and the classifier.
    static func decodeWeightBytes(_ weights: TransformerWeights) -> Int {
        func bytes(_ matrix: WeightMatrix) -> Int {
            let count = matrix.rows * matrix.cols
            switch matrix.storage {
            case .float32: return 4 * count
            case .float16: return 2 * count
            case .q8(_, _, let groupSize): return count + 4 * count / groupSize
            }
        }
        var total = bytes(weights.classifier)
        for list in [weights.wq, weights.wk, weights.wv, weights.wo, weights.w1, weights.w2, weights.w3] {
            for matrix in list { total += bytes(matrix) }
        }
        return total
    }
}

