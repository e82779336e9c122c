/// What a command accepts and how its help reads: the one definition both the host
/// and the Duo build parse with (`ParsedArguments`) and print as `--help`.
public struct CommandSpec: Sendable {
    /// The subcommand's name (`run`).
    public let name: String
    /// One line: what the command does.
    public let abstract: String
    /// The positional arguments as the usage line shows them (`[CHECKPOINT]`, `TEXT`).
    public let positionals: String
    /// Lines explaining the positional arguments (and anything else worth a line).
    public let notes: [String]
    public let options: [OptionSpec]

    public init(name: String, abstract: String, positionals: String = "", notes: [String] = [],
                options: [OptionSpec]) {
        self.name = name
        self.abstract = abstract
        self.positionals = positionals
        self.notes = notes
        self.options = options + [.flag("help", help: "Show this help.")]
    }

    /// `usage: babyllama NAME POSITIONALS [options]`.
    public var usage: String {
        "usage: babyllama \(name)" + (positionals.isEmpty ? "" : " " + positionals) + " [options]"
    }

    /// The whole `--help` text: usage, abstract, notes, one line per option.
    public var help: String {
        var text = usage + "\n\n" + abstract + "\n"
        if !notes.isEmpty { text += "\n" + notes.joined(separator: "\n") + "\n" }
        text += "\noptions:\n"
        let width = options.map { $0.synopsis.utf8.count }.max() ?? 0
        for option in options {
            text += "  " + padded(option.synopsis, width) + "  " + option.help + "\n"
        }
        return text
    }

    /// Parses the arguments after the command's name.
    public func parse(_ arguments: ArraySlice<String>) throws(UsageError) -> ParsedArguments {
        try ParsedArguments(arguments, options: options)
    }
}
