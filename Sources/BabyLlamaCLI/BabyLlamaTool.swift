import CPosix
import Support

/// The `babyllama` command line, the same on the host and on the Duo: both entry
/// points (`Sources/babyllama`, `Sources/BabyLlamaDuo`) hand it their arguments.
public enum BabyLlamaTool {
    static let usage = """
        usage: babyllama COMMAND [options]

        Baby LLaMA 2 story engine: llama2.c checkpoints, run.c-compatible.

        commands:
          run [CHECKPOINT]      generate a story from a prompt, as llama2.c's run.c
          batch PROMPTS.jsonl   tell a whole prompt set, many stories at once
          tokenize TEXT         token ids of a text (JSON array)
          logits [CHECKPOINT]   teacher-forced logits as a float32 .npy file
          bench [CHECKPOINT]    decode and prefill speed, median of several runs
          serve                 the story HTTP API (Config/babyllama.json)
          say TEXT              speak a text aloud, or into a WAV file
          listen                hear a spoken story request (microphone or WAV)

        `babyllama COMMAND --help` lists a command's options. Without CHECKPOINT the
        bundled stories260K model is used.
        """

    /// Runs the command line `arguments` (without the program name); returns the exit status.
    public static func main(_ arguments: [String]) -> Int32 {
        guard let name = arguments.first else {
            StandardError.writeLine(usage)
            return 1
        }
        // Before anything can open an audio device (run --speak, say, serve).
        AlsaConfiguration.useShippedTreeIfSystemHasNone()
        let rest = arguments[1...]
        switch name {
        case let name where same(name, "run"): return execute(RunCommand.self, rest)
        case let name where same(name, "batch"): return execute(BatchCommand.self, rest)
        case let name where same(name, "tokenize"): return execute(TokenizeCommand.self, rest)
        case let name where same(name, "logits"): return execute(LogitsCommand.self, rest)
        case let name where same(name, "bench"): return execute(BenchCommand.self, rest)
        case let name where same(name, "serve"): return execute(ServeCommand.self, rest)
        case let name where same(name, "say"): return execute(SayCommand.self, rest)
        case let name where same(name, "listen"): return execute(ListenCommand.self, rest)
        case let name where same(name, "--help") || same(name, "-h") || same(name, "help"):
            standardOutput(Array((usage + "\n").utf8))
            return 0
        default:
            StandardError.writeLine("babyllama: error: unknown command '\(name)'\n\(usage)")
            return 1
        }
    }

    /// Parses `arguments` for `command` and runs it: `--help` prints its help, a bad
    /// command line one error line and its usage (status 1).
    private static func execute<C: Command>(_ command: C.Type, _ arguments: ArraySlice<String>) -> Int32 {
        let spec = C.spec
        let wantsHelp = arguments.contains { same($0, "--help") || same($0, "-h") }
        do {
            let parsed = try spec.parse(arguments)
            if parsed.has("help") {
                standardOutput(Array(spec.help.utf8))
                return 0
            }
            return try C(parsed).run()
        } catch {
            if wantsHelp {
                standardOutput(Array(spec.help.utf8))
                return 0
            }
            StandardError.writeLine("babyllama: error: \(error.message)\n\(spec.usage)")
            return 1
        }
    }
}

/// Writes `babyllama: error: MESSAGE` on stderr; returns exit status 1.
func failure(_ message: String) -> Int32 {
    StandardError.writeLine("babyllama: error: \(message)")
    return 1
}
