import Foundation

/// Where the repository's files are, found from this source file's path so the
/// tests run from any working directory.
public enum Repository {
    /// The package root (this file is Tests/TestSupport/Repository.swift).
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// A file of Tests/Fixtures.
    public static func fixture(_ name: String) -> String { path("Tests/Fixtures/" + name) }

    /// A bundled file of models/.
    public static func model(_ name: String) -> String { path("models/" + name) }

    public static func read(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }
}
