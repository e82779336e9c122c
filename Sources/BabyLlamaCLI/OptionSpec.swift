/// One option a command accepts: `--long VALUE` (and `-s VALUE`), or a bare flag.
public struct OptionSpec: Sendable {
    /// The long name, without dashes; parsed values are looked up by it.
    public let long: String
    /// The one-letter short name, without the dash, if any.
    public let short: String?
    /// What the value is called in the help (`N`, `FILE`); nil for a flag such as `--json`.
    public let valueName: String?
    /// One line for the help.
    public let help: String

    public init(_ long: String, short: String? = nil, value valueName: String? = "VALUE", help: String) {
        self.long = long
        self.short = short
        self.valueName = valueName
        self.help = help
    }

    /// A flag: no value.
    public static func flag(_ long: String, help: String) -> OptionSpec {
        OptionSpec(long, value: nil, help: help)
    }

    /// True for `--name VALUE`, false for a flag.
    public var takesValue: Bool { valueName != nil }

    /// `-s, --long VALUE` as the help shows it.
    var synopsis: String {
        var text = short.map { "-\($0), " } ?? "    "
        text += "--" + long
        if let valueName { text += " " + valueName }
        return text
    }
}
