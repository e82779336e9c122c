/// The model `run` uses when no checkpoint is named: llama2.c's stories260K with its
/// own tok512 tokenizer, shipped in models/ (and beside the binary on the Duo).
enum BundledModel {
    static let fileName = "stories260K.bin"

    /// The first that exists of `models/stories260K.bin` here, `stories260K.bin` beside
    /// the executable (the Duo's install), and `models/stories260K.bin` in the
    /// executable's directory or up to three above it (a checkout's
    /// `.build/<triple>/release`). `models/stories260K.bin` when none does, so the
    /// error names the usual place.
    static func path() -> String {
        ExecutableDirectory.shipped(checkoutPath: "models/" + fileName, besideName: fileName, exists: fileExists)
    }
}
