import CPosix

/// A command line split into options and positional arguments against a command's
/// `OptionSpec`s: `--name VALUE`, `--name=VALUE`, `-x VALUE`, flags, and `--` ending
/// the options. Names compare as UTF-8 bytes: Embedded Swift code here does no
/// Character-level work.
public struct ParsedArguments {
    /// Option values in command-line order (a repeated option: the last one wins).
    private(set) var values: [(name: String, value: String)] = []
    /// The flags given.
    private(set) var flags: [String] = []
    /// Everything that is not an option.
    private(set) var positionals: [String] = []

    /// Parses `arguments` against `options`.
    init(_ arguments: ArraySlice<String>, options: [OptionSpec]) throws(UsageError) {
        var index = arguments.startIndex
        var optionsEnded = false
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            let bytes = Array(argument.utf8)
            if optionsEnded || bytes.count < 2 || bytes[0] != UInt8(ascii: "-") {
                positionals.append(argument)
                continue
            }
            if bytes == [UInt8(ascii: "-"), UInt8(ascii: "-")] {
                optionsEnded = true
                continue
            }
            var name: [UInt8]
            var attached: String? = nil
            let isLong = bytes[1] == UInt8(ascii: "-")
            if isLong {
                name = Array(bytes[2...])
                if let equals = name.firstIndex(of: UInt8(ascii: "=")) {
                    attached = String(decoding: name[(equals + 1)...], as: UTF8.self)
                    name = Array(name[..<equals])
                }
            } else {
                name = Array(bytes[1...])
            }
            let found = options.first { option in
                isLong ? same(option.long, name) : (option.short.map { same($0, name) } ?? false)
            }
            guard let option = found else { throw UsageError("unknown option '\(argument)'") }
            if !option.takesValue {
                if attached != nil { throw UsageError("--\(option.long) takes no value") }
                flags.append(option.long)
                continue
            }
            if let attached {
                values.append((option.long, attached))
            } else {
                // The value is taken as it is, even when it starts with '-' (`-s -1`).
                guard index < arguments.endIndex else { throw UsageError("missing value for '\(argument)'") }
                values.append((option.long, arguments[index]))
                index += 1
            }
        }
    }

    /// Fails unless there is no positional argument.
    func noPositionals() throws(UsageError) {
        if let extra = positionals.first { throw UsageError("unexpected argument '\(extra)'") }
    }

    /// The command's one positional argument, called `name` in the error when missing.
    func onlyPositional(_ name: String) throws(UsageError) -> String {
        guard positionals.count == 1 else {
            throw UsageError(positionals.isEmpty ? "missing \(name)" : "unexpected argument '\(positionals[1])'")
        }
        return positionals[0]
    }

    /// The one positional argument if there is one, nil if there is none.
    func optionalPositional() throws(UsageError) -> String? {
        if positionals.count > 1 { throw UsageError("unexpected argument '\(positionals[1])'") }
        return positionals.first
    }

    /// The value given for option `name`, if any.
    func value(_ name: String) -> String? {
        values.last { same($0.name, Array(name.utf8)) }?.value
    }

    /// True if flag `name` was given.
    func has(_ name: String) -> Bool {
        flags.contains { same($0, Array(name.utf8)) }
    }

    /// The value of option `name` as an integer, or `fallback` when absent.
    func integer(_ name: String, _ fallback: Int) throws(UsageError) -> Int {
        guard let text = value(name) else { return fallback }
        guard let number = Int(text) else { throw UsageError("--\(name) takes an integer, got '\(text)'") }
        return number
    }

    /// The value of option `name` as an integer, nil when absent.
    func optionalInteger(_ name: String) throws(UsageError) -> Int? {
        value(name) == nil ? nil : try integer(name, 0)
    }

    /// The value of option `name` as an integer in `range`, or `fallback` when absent.
    func integer(_ name: String, _ fallback: Int, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        let number = try integer(name, fallback)
        if !range.contains(number) {
            throw UsageError("--\(name) must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
        }
        return number
    }

    /// The value of option `name`, which must be one of `choices`, or `fallback`.
    func choice(_ name: String, _ fallback: String, _ choices: [String]) throws(UsageError) -> String {
        guard let text = value(name) else { return fallback }
        guard let match = choices.first(where: { same($0, text) }) else {
            var list = ""
            for (index, choice) in choices.enumerated() { list += (index == 0 ? "" : " or ") + choice }
            throw UsageError("--\(name) takes \(list), got '\(text)'")
        }
        return match
    }

    /// The value of option `name` as a float (C's strtod, as run.c's atof), or `fallback`.
    func float(_ name: String, _ fallback: Float) throws(UsageError) -> Float {
        guard let text = value(name) else { return fallback }
        var end: UnsafeMutablePointer<CChar>? = nil
        let (number, complete) = text.withCString { start -> (Double, Bool) in
            let parsed = strtod(start, &end)
            return (parsed, end != nil && end! != UnsafeMutablePointer(mutating: start) && end!.pointee == 0)
        }
        if !complete || number.isNaN { throw UsageError("--\(name) takes a number, got '\(text)'") }
        return Float(number)
    }
}

/// True when `text`'s UTF-8 bytes are `bytes`.
func same<Bytes: Collection<UInt8>>(_ text: String, _ bytes: Bytes) -> Bool {
    text.utf8.elementsEqual(bytes)
}

/// True when the two strings have the same UTF-8 bytes.
func same(_ text: String, _ other: String) -> Bool {
    text.utf8.elementsEqual(other.utf8)
}
