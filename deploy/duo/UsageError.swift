/// A command line the Duo's `babyllama` cannot act on: reported as one
/// `babyllama: error:` line followed by the command's usage, exit status 1.
struct UsageError: Error {
    /// What is wrong, one line.
    let message: String

    init(_ message: String) { self.message = message }
}
