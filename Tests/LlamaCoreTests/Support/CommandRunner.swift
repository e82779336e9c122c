import Foundation

/// Runs the built `babyllama` binary and captures what it does.
enum CommandRunner {
    struct Outcome {
        var status: Int32
        /// True when the process exited (rather than died from a signal).
        var exited: Bool
        var standardOutput: Data
        var standardError: String

        var errorLines: [Substring] { standardError.split(separator: "\n", omittingEmptySubsequences: true) }
    }

    /// The `babyllama` executable: beside the test bundle (the build directory
    /// `swift test` used), else `.build/release` under the package root.
    static var executable: String? {
        let buildDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [buildDirectory.appendingPathComponent("babyllama").path,
                          Repository.path(".build/release/babyllama")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `babyllama arguments...` in the package root, with `input` on stdin
    /// (empty by default); output goes through files, so no pipe can fill up and
    /// block the child.
    static func run(_ arguments: [String], input: [UInt8] = []) throws -> Outcome {
        guard let executable else { throw FixtureError("babyllama is not built (run `swift test -c release`)") }
        let outputPath = TestModels.temporaryPath("stdout"), errorPath = TestModels.temporaryPath("stderr")
        guard FileManager.default.createFile(atPath: outputPath, contents: nil),
              FileManager.default.createFile(atPath: errorPath, contents: nil) else {
            throw FixtureError("cannot create output files in \(TestModels.directory)")
        }
        defer {
            try? FileManager.default.removeItem(atPath: outputPath)
            try? FileManager.default.removeItem(atPath: errorPath)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = Repository.root
        let inputPath = TestModels.temporaryPath("stdin")
        guard FileManager.default.createFile(atPath: inputPath, contents: Data(input)) else {
            throw FixtureError("cannot create the input file in \(TestModels.directory)")
        }
        defer { try? FileManager.default.removeItem(atPath: inputPath) }
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inputPath))
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        try process.run()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, exited: process.terminationReason == .exit,
                       standardOutput: try Repository.read(outputPath),
                       standardError: String(decoding: try Repository.read(errorPath), as: UTF8.self))
    }
}
