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

    /// Runs `babyllama arguments...` in the package root; output goes through
    /// files, so no pipe can fill up and block the child.
    static func run(_ arguments: [String]) throws -> Outcome {
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
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        try process.run()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, exited: process.terminationReason == .exit,
                       standardOutput: try Repository.read(outputPath),
                       standardError: String(decoding: try Repository.read(errorPath), as: UTF8.self))
    }
}

/// A NumPy `.npy` (version 1.x) file of little-endian float32.
struct NumpyArray {
    var shape: [Int]
    var values: [Float]

    init(data: Data) throws {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw FixtureError("npy: bad magic")
        }
        guard bytes[6] == 1 else { throw FixtureError("npy: version \(bytes[6]).\(bytes[7]) is not 1.x") }
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        let dataStart = 10 + headerLength
        guard bytes.count >= dataStart, dataStart % 64 == 0 else { throw FixtureError("npy: bad header length") }
        let header = String(decoding: bytes[10..<dataStart], as: UTF8.self)
        guard header.hasSuffix("\n") else { throw FixtureError("npy: header does not end in a newline") }
        guard header.contains("'descr': '<f4'") else { throw FixtureError("npy: not little-endian float32: \(header)") }
        guard header.contains("'fortran_order': False") else { throw FixtureError("npy: not C order") }
        guard let open = header.range(of: "'shape': ("),
              let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw FixtureError("npy: no shape in \(header)")
        }
        shape = try header[open.upperBound..<close].split(separator: ",").map {
            guard let value = Int($0.trimmingCharacters(in: .whitespaces)) else { throw FixtureError("npy: bad shape") }
            return value
        }
        values = LittleEndian.floats(Data(bytes[dataStart...]))
        guard values.count == shape.reduce(1, *), (bytes.count - dataStart) % 4 == 0 else {
            throw FixtureError("npy: \(values.count) values for shape \(shape)")
        }
    }
}
