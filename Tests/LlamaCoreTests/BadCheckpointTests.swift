import Foundation
import LlamaCore
import XCTest

/// Every malformed checkpoint gets its specific `LlamaError`, never a crash.
final class BadCheckpointTests: XCTestCase {
    /// A small valid model (GQA, unshared) to cut and corrupt.
    private static let tinyShape = ModelShape(dim: 64, hiddenDim: 192, layerCount: 2, headCount: 4, kvHeadCount: 2,
                                              vocabSize: 96, seqLen: 16, sharedClassifier: false)
    private static let tinyTensors = ModelWriter.randomTensors(tinyShape, seed: 21)
    private static let version0 = ModelWriter.version0(tinyTensors)
    private static let version2 = ModelWriter.version2(tinyTensors)

    private func header(_ fields: [Int]) -> [UInt8] {
        var writer = ByteWriter()
        for field in fields { writer.int32(field) }
        return writer.bytes
    }

    func testMissingFile() {
        let path = TestModels.temporaryPath("missing.bin")
        assertThrows(.cannotOpen(path: path, reason: "No such file or directory")) { () throws(LlamaError) in
            try Checkpoint(path: path)
        }
    }

    func testDirectory() {
        assertThrows(.cannotOpen(path: TestModels.directory, reason: "not a regular file")) { () throws(LlamaError) in
            try Checkpoint(path: TestModels.directory)
        }
    }

    /// A FIFO is refused at once (opening one for reading would wait for a writer).
    func testFIFOIsRefusedWithoutBlocking() throws {
        let path = TestModels.directory + "/checkpoint.fifo"
        unlink(path)
        XCTAssertEqual(mkfifo(path, 0o600), 0)
        defer { unlink(path) }
        assertThrows(.cannotOpen(path: path, reason: "not a regular file")) { () throws(LlamaError) in
            try Checkpoint(path: path)
        }
        assertThrows(.cannotOpen(path: path, reason: "not a regular file")) { () throws(LlamaError) in
            try Tokenizer(path: path, vocabSize: 512)
        }
    }

    func testEmptyFile() {
        let path = TestModels.write([], name: "empty.bin")
        assertThrows(.cannotOpen(path: path, reason: "the file is empty")) { () throws(LlamaError) in
            try Checkpoint(path: path)
        }
    }

    func testValidFilesLoad() throws {
        let v0 = try Checkpoint(path: TestModels.write(Self.version0, name: "v0.bin"))
        XCTAssertEqual(v0.config.vocabSize, 96)
        XCTAssertFalse(v0.sharedClassifier)
        let v2 = try Checkpoint(path: TestModels.write(Self.version2, name: "v2.bin"))
        XCTAssertEqual(v2.format, .q8(groupSize: 64))
    }

    func testTruncatedVersion0() {
        let full = Self.version0.count
        for length in [1, 27] {
            let path = TestModels.write(Array(Self.version0.prefix(length)), name: "short.bin")
            assertThrows(.truncated(path: path, expectedBytes: 28, actualBytes: length)) { () throws(LlamaError) in
                try Checkpoint(path: path)
            }
        }
        for length in [28, 29, 1000, full / 2, full - 4 * 64 * 96, full - 1] {
            let path = TestModels.write(Array(Self.version0.prefix(length)), name: "cut.bin")
            assertThrows(.truncated(path: path, expectedBytes: full, actualBytes: length)) { () throws(LlamaError) in
                try Checkpoint(path: path)
            }
        }
    }

    func testTruncatedVersion2() {
        let full = Self.version2.count
        for length in [4, 100, 255] {
            let path = TestModels.write(Array(Self.version2.prefix(length)), name: "short.bin")
            assertThrows(.truncated(path: path, expectedBytes: 256, actualBytes: length)) { () throws(LlamaError) in
                try Checkpoint(path: path)
            }
        }
        for length in [256, 257, full / 2, full - 1] {
            let path = TestModels.write(Array(Self.version2.prefix(length)), name: "cut.bin")
            assertThrows(.truncated(path: path, expectedBytes: full, actualBytes: length)) { () throws(LlamaError) in
                try Checkpoint(path: path)
            }
        }
    }

    func testGarbage() {
        let text = Array(String(repeating: "this is not a model, just some text. ", count: 100).utf8)
        let path = TestModels.write(text, name: "garbage.bin")
        assertThrows({ () throws(LlamaError) in try Checkpoint(path: path) }) { error in
            guard case .invalidCheckpoint(path, _) = error else { return XCTFail("\(error)") }
        }
        var random = SeededRandom(seed: 22)
        for size in [28, 100, 4096, 100_000] {
            let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &random) }
            let path = TestModels.write(bytes, name: "random.bin")
            assertThrows({ () throws(LlamaError) in try Checkpoint(path: path) }) { error in
                switch error {
                case .invalidCheckpoint(path, _), .truncated(path, _, _): break
                default: XCTFail("\(error)")
                }
            }
        }
    }

    /// The v2 test file with the int32 at `offset` set to `value` must be refused as invalid.
    private func assertVersion2Refused(settingInt32At offset: Int, to value: Int, _ label: String,
                                       file: StaticString = #filePath, line: UInt = #line) {
        var bytes = Self.version2
        bytes.replaceSubrange(offset..<(offset + 4), with: header([value]))
        let path = TestModels.write(bytes, name: "v2-\(offset).bin")
        assertThrows({ () throws(LlamaError) in try Checkpoint(path: path) }) { error in
            guard case .invalidCheckpoint(path, _) = error else {
                return XCTFail("\(label) \(value): \(error)", file: file, line: line)
            }
        }
    }

    func testVersion2BadVersion() {
        for version in [0, 1, 3, -2, 1 << 30] { assertVersion2Refused(settingInt32At: 4, to: version, "version") }
    }

    func testVersion2BadGroupSize() {
        // dim 64: 0, negative, not dividing dim (7, 48), larger than dim (128), absurd. (A size
        // dividing dim but not hidden_dim is valid: export.py writes those, see OracleDifferentialTests.)
        for groupSize in [0, -64, 7, 48, 128, Int(Int32.max)] {
            assertVersion2Refused(settingInt32At: 37, to: groupSize, "group size")
        }
    }

    func testVersion2BadShape() {
        assertVersion2Refused(settingInt32At: 8, to: 0, "dim")
    }

    /// Headers no forward pass can run: zero, negative, huge, inconsistent.
    func testAbsurdHeaderDimensions() {
        let valid = [64, 192, 2, 4, 2, 96, 16]
        let absurd: [(String, [Int])] = [
            ("zero dim", [0, 192, 2, 4, 2, 96, 16]),
            ("negative layers", [64, 192, -2, 4, 2, 96, 16]),
            ("zero heads", [64, 192, 2, 0, 2, 96, 16]),
            ("zero kv heads", [64, 192, 2, 4, 0, 96, 16]),
            ("zero vocab", [64, 192, 2, 4, 2, 0, 16]),
            ("negative seq", [64, 192, 2, 4, 2, 96, -1]),
            ("huge dim", [1 << 20, 192, 2, 4, 2, 96, 16]),
            ("huge hidden", [64, 1 << 30, 2, 4, 2, 96, 16]),
            ("huge layers", [64, 192, 1 << 20, 4, 2, 96, 16]),
            ("huge vocab", [64, 192, 2, 4, 2, 1 << 30, 16]),
            ("huge negative vocab", [64, 192, 2, 4, 2, -(1 << 30), 16]),
            ("min int vocab", [64, 192, 2, 4, 2, Int(Int32.min), 16]),
            ("huge seq", [64, 192, 2, 4, 2, 96, Int(Int32.max)]),
            ("dim not a multiple of heads", [64, 192, 2, 6, 2, 96, 16]),
            ("heads not a multiple of kv heads", [64, 192, 2, 4, 3, 96, 16]),
            ("more kv heads than heads", [64, 192, 2, 4, 8, 96, 16]),
            ("odd head size", [60, 192, 2, 4, 2, 96, 16]),
        ]
        for (name, fields) in [("valid header, no weights", valid)] + absurd {
            let path = TestModels.write(header(fields) + [UInt8](repeating: 0, count: 64), name: "header.bin")
            assertThrows({ () throws(LlamaError) in try Checkpoint(path: path) }) { error in
                switch (name, error) {
                case ("valid header, no weights", .truncated(path, _, 92)): break
                case (_, .invalidCheckpoint(path, _)) where name != "valid header, no weights": break
                default: XCTFail("\(name): \(error)")
                }
            }
        }
    }

    /// The largest header the parser accepts needs 256 TiB: its sizes must not overflow.
    func testLargestPlausibleHeaderIsTruncatedNotOverflowing() {
        let (dim, hidden, layers, vocab, seqLen) = (1 << 16, 1 << 18, 1 << 10, 1 << 22, 1 << 20)
        let headSize = 64, kvDim = 1 << 16  // 1024 heads and kv heads
        let path = TestModels.write(header([dim, hidden, layers, 1 << 10, 1 << 10, vocab, seqLen]), name: "big.bin")
        let floats = vocab * dim + 2 * layers * dim + dim + seqLen * headSize
            + layers * (2 * dim * dim + 2 * dim * kvDim + 3 * dim * hidden)
        assertThrows(.truncated(path: path, expectedBytes: 28 + 4 * floats, actualBytes: 28)) { () throws(LlamaError) in
            try Checkpoint(path: path)
        }
    }

    /// A consistent file whose key/value cache would be absurd (16 GiB for an 8 MB
    /// file): the transformer refuses it instead of trying to allocate.
    func testHugeCacheIsRefused() throws {
        let fields = [2, 1, 1024, 1, 1, 1, 1 << 20]
        let floats = 2 + 2 * 1024 * 2 + 2 + 1024 * (2 * 4 + 2 * 4 + 3 * 2) + (1 << 20) * 2
        let path = TestModels.write(header(fields) + [UInt8](repeating: 0, count: 4 * floats), name: "cache.bin")
        let checkpoint = try Checkpoint(path: path)
        XCTAssertEqual(checkpoint.config.seqLen, 1 << 20)
        assertThrows({ () throws(LlamaError) in
            try Transformer(checkpoint: checkpoint, pool: WorkerPool(threadCount: 1))
        }) { error in
            guard case .invalidCheckpoint(path, _) = error else { return XCTFail("\(error)") }
        }
    }
}
