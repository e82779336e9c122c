// babyllama for the Milk-V Duo: `run`, `serve` and `say` with the host CLI's
// flags, over the same LlamaCore, StorySpeech and StoryService sources, compiled
// as Embedded Swift (the only Swift for riscv64 Linux) into one static binary by
// deploy/duo/build.sh. No Foundation, no swift-argument-parser: flags are parsed
// by ParsedArguments.

let toolUsage = """
    usage: babyllama run [CHECKPOINT] [options]   generate text, as llama2.c's run.c
           babyllama serve [options]            the story HTTP API
           babyllama say TEXT [options]         speak text aloud, or into a WAV file
           babyllama COMMAND --help             the command's options
    """

/// Writes `babyllama: error: MESSAGE` on stderr; returns exit status 1.
func failure(_ message: String) -> Int32 {
    standardError("babyllama: error: \(message)\n")
    return 1
}

@_cdecl("main")
func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    var arguments: [String] = []
    for index in 1..<Int(max(argc, 1)) {
        arguments.append(String(cString: argv[index]!))
    }
    guard let command = arguments.first else {
        standardError(toolUsage + "\n")
        return 1
    }
    let rest = arguments[1...]
    // Before anything can open an audio device (run --speak, say, serve).
    AlsaConfiguration.useShippedTreeIfSystemHasNone()
    let wantsHelp = rest.contains { same($0, "--help") || same($0, "-h") }
    switch command {
    case let name where same(name, "run"):
        if wantsHelp { return help(RunTool.usage) }
        do {
            return try RunTool(rest).run()
        } catch {
            return usageFailure(error, RunTool.usage)
        }
    case let name where same(name, "serve"):
        if wantsHelp { return help(ServeTool.usage) }
        do {
            return try ServeTool(rest).run()
        } catch {
            return usageFailure(error, ServeTool.usage)
        }
    case let name where same(name, "say"):
        if wantsHelp { return help(SayTool.usage) }
        do {
            return try SayTool(rest).run()
        } catch {
            return usageFailure(error, SayTool.usage)
        }
    case let name where same(name, "--help") || same(name, "-h") || same(name, "help"):
        return help(toolUsage)
    default:
        return usageFailure(UsageError("unknown command '\(command)' (this build has run, serve and say)"), toolUsage)
    }
}

private func help(_ usage: String) -> Int32 {
    standardOutput(Array((usage + "\n").utf8))
    return 0
}

private func usageFailure(_ error: UsageError, _ usage: String) -> Int32 {
    standardError("babyllama: error: \(error.message)\n\(usage)\n")
    return 1
}
