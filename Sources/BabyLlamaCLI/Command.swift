/// A `babyllama` subcommand: its options (`spec`, the one definition of them), how it
/// reads a parsed command line (defaults and validation), and what it does.
protocol Command {
    static var spec: CommandSpec { get }
    /// Reads and checks the options; a bad value is a `UsageError`.
    init(_ arguments: ParsedArguments) throws(UsageError)
    /// Does the work; returns the exit status (errors are reported as one line first).
    func run() -> Int32
}
