/// A command line `babyllama` cannot act on: reported as one `babyllama: error:`
/// line followed by the command's usage, exit status 1.
public struct UsageError: Error {
    /// What is wrong, one line.
    public let message: String

    public init(_ message: String) { self.message = message }
}
