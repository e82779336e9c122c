/// One option a command accepts: `--long` (and `-s`), with a value or a bare flag.
struct OptionSpec {
    /// The long name, without dashes; parsed values are looked up by it.
    let long: String
    /// The one-letter short name, without the dash, if any.
    let short: String?
    /// True for `--name VALUE`, false for a flag such as `--json`.
    let takesValue: Bool

    init(_ long: String, short: String? = nil, takesValue: Bool = true) {
        self.long = long
        self.short = short
        self.takesValue = takesValue
    }
}
