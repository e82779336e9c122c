import ArgumentParser

/// The `babyllama` command: run.c-compatible generation plus the tools around it.
@main
struct BabyLlama: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "babyllama",
        abstract: "Baby LLaMA 2 story engine: llama2.c checkpoints, run.c-compatible.",
        subcommands: [RunCommand.self, TokenizeCommand.self, LogitsCommand.self, BenchCommand.self,
                      ServeCommand.self, SayCommand.self])
}
