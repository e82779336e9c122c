import Foundation

/// The `babyllama` executable the tests run: the one `swift test` built beside the
/// test bundle (never a possibly stale `.build/release`), run in the package root.
public enum BabyLlamaBinary {
    /// What one run did.
    public struct Outcome {
        public var status: Int32
        /// True when the process exited (rather than died from a signal).
        public var exited: Bool
        public var standardOutput: Data
        public var standardError: String

        public var output: String { String(decoding: standardOutput, as: UTF8.self) }
        public var errorLines: [String] {
            standardError.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        }
    }

    /// The path of the executable built with the tests: in the build directory that
    /// holds the test bundle (the bundle may be a directory a level or two down).
    public static let path: String? = {
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("babyllama").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }()

    /// The path, or an error saying the binary was not built with the tests.
    public static func requiredPath() throws -> String {
        guard let path else { throw FixtureError("babyllama is not built beside the tests (run `swift test -c release`)") }
        return path
    }

    /// Runs `babyllama arguments...` in the package root with `input` on stdin and
    /// `environment` added to this process's. Output goes through files, so no pipe
    /// can fill up and block the child; a run still going after `timeout` seconds
    /// is killed (and then did not exit). `executable` replaces the built binary (a
    /// patched copy of it, say); `memoryLimitKiB` caps its address space (`ulimit -v`).
    public static func run(_ arguments: [String], input: [UInt8] = [], environment: [String: String] = [:],
                           timeout: Double = 600, executable: String? = nil,
                           memoryLimitKiB: Int? = nil) throws -> Outcome {
        let executable = try executable ?? requiredPath()
        let outputPath = TestModels.temporaryPath("stdout"), errorPath = TestModels.temporaryPath("stderr")
        let inputPath = TestModels.temporaryPath("stdin")
        for (file, contents) in [(outputPath, Data()), (errorPath, Data()), (inputPath, Data(input))] {
            guard FileManager.default.createFile(atPath: file, contents: contents) else {
                throw FixtureError("cannot create \(file)")
            }
        }
        defer {
            for file in [outputPath, errorPath, inputPath] { try? FileManager.default.removeItem(atPath: file) }
        }
        let process = Process()
        if let memoryLimitKiB {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -v \(memoryLimitKiB) && exec \"$0\" \"$@\"", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        process.currentDirectoryURL = Repository.root
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inputPath))
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        try process.run()
        let watchdog = DispatchWorkItem { [process] in
            if process.isRunning { process.terminate() }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        process.waitUntilExit()
        watchdog.cancel()
        return Outcome(status: process.terminationStatus, exited: process.terminationReason == .exit,
                       standardOutput: try Repository.read(outputPath),
                       standardError: String(decoding: try Repository.read(errorPath), as: UTF8.self))
    }
}
