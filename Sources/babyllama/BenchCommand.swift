import ArgumentParser
import CShim
import LlamaCore

/// `babyllama bench`: reproducible speed figures — median decode and prefill
/// tokens per second over several runs after a warm-up, ms per token, weight
/// bytes streamed per token and peak resident memory; `--compare` measures the
/// scalar reference and the fast paths in one process and gives their ratios.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure decode and prefill speed (median of several runs).")

    @Argument(help: "llama2.c checkpoint (v0 fp32 or v2 Q8_0).")
    var checkpoint: String

    @Option(name: .long, help: "Threads (default: all CPUs).")
    var threads: Int?

    @Option(name: .long, help: "Decode positions per run, from BOS, greedy (run.c's -n).")
    var steps: Int = 256

    @Option(name: .long, help: "Prompt tokens fed in batches per run (0 skips prefill).")
    var promptTokens: Int = 200

    @Option(name: .long, help: "Measured runs (after one warm-up run).")
    var runs: Int = 5

    @Option(name: .long, help: "Kernels: simd or scalar.")
    var kernels: KernelOption = .simd

    @Option(name: .long, help: "Weights in memory: f32 (as stored) or f16 (fp32 checkpoints only).")
    var weights: WeightOption = .f32

    @Flag(name: .long, help: "Measure scalar, SIMD on 1 thread, SIMD on all threads (and f16) in one run.")
    var compare = false

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        if let threads, threads < 1 || threads > 256 { throw ValidationError("--threads must be 1...256") }
        if steps < 1 { throw ValidationError("--steps must be at least 1") }
        if promptTokens < 0 { throw ValidationError("--prompt-tokens must not be negative") }
        if runs < 1 || runs > 1000 { throw ValidationError("--runs must be 1...1000") }
    }

    func run() throws {
        try reportingErrors {
            let model = try Checkpoint(path: checkpoint)
            let config = model.config
            if steps > config.seqLen || promptTokens > config.seqLen {
                throw LlamaError.invalidArgument(
                    "--steps and --prompt-tokens must not exceed the context (\(config.seqLen))")
            }
            let threadCount = threads ?? processorCount
            var setups: [BenchSetup] = []
            if compare {
                setups.append(BenchSetup(kernels: .scalar, weightMode: .asStored, threads: 1))
                setups.append(BenchSetup(kernels: .simd, weightMode: .asStored, threads: 1))
                if threadCount > 1 { setups.append(BenchSetup(kernels: .simd, weightMode: .asStored, threads: threadCount)) }
                if model.format == .float32 {
                    setups.append(BenchSetup(kernels: .simd, weightMode: .float16, threads: threadCount))
                }
            } else {
                setups.append(BenchSetup(kernels: kernels.choice, weightMode: weights.mode,
                                         threads: kernels == .scalar ? 1 : threadCount))
            }
            var results: [BenchResult] = []
            for setup in setups {
                results.append(try measure(model, setup))
            }
            // The host's streaming-read bandwidth on each thread count measured: decode
            // reads every weight once a token, so this is its ceiling.
            var streams: [Int: Double] = [:]
            for threads in Set(setups.map(\.threads)) {
                streams[threads] = MemoryBandwidth.streamingRead(pool: WorkerPool(threadCount: threads))
            }
            report(model, results, streams)
        }
    }

    /// Runs the warm-up and the measured runs of one setup.
    private func measure(_ model: Checkpoint, _ setup: BenchSetup) throws -> BenchResult {
        let transformer = try Transformer(checkpoint: model, pool: WorkerPool(threadCount: setup.threads),
                                          kernels: setup.kernels, weightMode: setup.weightMode)
        let vocabSize = model.config.vocabSize
        // A fixed prompt of pseudo-random ids (the speed does not depend on which).
        let prompt = [Tokenizer.bos] + (1..<max(1, promptTokens)).map { 3 + ($0 * 7919) % (vocabSize - 3) }
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
        return BenchResult(setup: setup, decode: Summary(decodeRates), prefill: Summary(prefillRates),
                           weightBytesPerToken: Self.decodeWeightBytes(transformer.weights, model.config),
                           residentKiB: Int(shim_current_rss_kib()), peakResidentKiB: Int(shim_peak_rss_kib()))
    }

    /// Bytes of weights one decode step reads: every layer matrix and the classifier.
    static func decodeWeightBytes(_ weights: TransformerWeights, _ config: ModelConfig) -> Int {
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
            total += list.reduce(0) { $0 + bytes($1) }
        }
        return total
    }

    private func report(_ model: Checkpoint, _ results: [BenchResult], _ streams: [Int: Double]) {
        let config = model.config
        let scalar = results.first { $0.setup.kernels == .scalar }
        if json {
            let items: [JSONValue] = results.map { result in
                var members: [(String, JSONValue)] = [
                    ("name", .string(result.setup.name)),
                    ("threads", .int(result.setup.threads)),
                    ("decode_tok_s", .double(result.decode.median)),
                    ("decode_tok_s_min", .double(result.decode.minimum)),
                    ("decode_tok_s_max", .double(result.decode.maximum)),
                    ("ms_per_token", .double(1000 / result.decode.median)),
                    ("prefill_tok_s", .double(result.prefill.median)),
                    ("weight_bytes_per_token", .int(result.weightBytesPerToken)),
                    ("weight_gb_per_s", .double(Double(result.weightBytesPerToken) * result.decode.median / 1e9)),
                    ("stream_read_gb_per_s", .double((streams[result.setup.threads] ?? 0) / 1e9)),
                    ("rss_mib", .double(Double(result.residentKiB) / 1024)),
                    ("peak_rss_mib", .double(Double(result.peakResidentKiB) / 1024)),
                ]
                if let scalar {
                    members.append(("decode_ratio_vs_scalar", .double(result.decode.median / scalar.decode.median)))
                    if scalar.prefill.median > 0 {
                        members.append(("prefill_ratio_vs_scalar", .double(result.prefill.median / scalar.prefill.median)))
                    }
                }
                return .object(members)
            }
            let object = JSONValue.object([
                ("model", .string(model.path)),
                ("format", .string(model.format.name)),
                ("stream_read_gb_per_s", .object(streams.keys.sorted().map { ("\($0)", .double(streams[$0]! / 1e9)) })),
                ("file_bytes", .int(model.file.size)),
                ("steps", .int(steps)), ("prompt_tokens", .int(promptTokens)), ("runs", .int(runs)),
                ("results", .array(items)),
            ])
            print(object.serialized())
            return
        }
        print("model: \(model.path) (\(model.format.name), dim \(config.dim), \(config.layerCount) layers, "
              + "\(config.headCount)/\(config.kvHeadCount) heads, vocab \(config.vocabSize), "
              + "seq \(config.seqLen)), \(fixed(Double(model.file.size) / 1e6, 1)) MB")
        print("decode: \(steps) positions from BOS, greedy; prefill: \(promptTokens) tokens; "
              + "median of \(runs) runs after 1 warm-up")
        let header = ["path", "threads", "decode tok/s", "(min-max)", "ms/token", "prefill tok/s",
                      "weights GB/s", "of stream", "RSS MiB"] + (scalar != nil ? ["decode ×scalar", "prefill ×scalar"] : [])
        var rows: [[String]] = [header]
        for result in results {
            var row = [
                result.setup.name, String(result.setup.threads),
                fixed(result.decode.median, 1),
                fixed(result.decode.minimum, 0) + "-" + fixed(result.decode.maximum, 0),
                fixed(1000 / result.decode.median, 3),
                fixed(result.prefill.median, 0),
                fixed(Double(result.weightBytesPerToken) * result.decode.median / 1e9, 1),
                streams[result.setup.threads].map {
                    fixed(100 * Double(result.weightBytesPerToken) * result.decode.median / $0, 0) + "%"
                } ?? "-",
                fixed(Double(result.residentKiB) / 1024, 1),
            ]
            if let scalar {
                row.append(fixed(result.decode.median / scalar.decode.median, 2))
                row.append(scalar.prefill.median > 0
                           ? fixed(result.prefill.median / scalar.prefill.median, 2) : "-")
            }
            rows.append(row)
        }
        let widths = (0..<header.count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            print(row.enumerated().map { padded($1, widths[$0]) }
                .joined(separator: "  "))
        }
        print("streaming read (\(MemoryBandwidth.defaultMiB) MiB, median of 5 passes): "
              + streams.keys.sorted().map { "\(fixed(streams[$0]! / 1e9, 1)) GB/s on \($0) thread\($0 == 1 ? "" : "s")" }
                .joined(separator: ", "))
        print("peak RSS: \(fixed(Double(results.map(\.peakResidentKiB).max() ?? 0) / 1024, 1)) MiB")
    }
}

/// One configuration to measure.
struct BenchSetup {
    var kernels: KernelChoice
    var weightMode: WeightMode
    var threads: Int

    var name: String {
        let base = kernels == .scalar ? "scalar" : "simd"
        return weightMode == .float16 ? base + "-f16" : base
    }
}

/// What one configuration measured.
struct BenchResult {
    var setup: BenchSetup
    var decode: Summary
    var prefill: Summary
    var weightBytesPerToken: Int
    var residentKiB: Int
    var peakResidentKiB: Int
}

/// Median, minimum and maximum of a set of rates.
struct Summary {
    var median: Double
    var minimum: Double
    var maximum: Double

    init(_ values: [Double]) {
        let sorted = values.sorted()
        minimum = sorted.first ?? 0
        maximum = sorted.last ?? 0
        let middle = sorted.count / 2
        median = sorted.isEmpty ? 0 : sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

enum WeightOption: String, ExpressibleByArgument, CaseIterable {
    case f32, f16
    var mode: WeightMode { self == .f32 ? .asStored : .float16 }
}
