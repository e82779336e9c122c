import Foundation

/// A checkpoint file a test can load, with the sha256 it must have.
public struct ModelFile: Sendable {
    public var path: String
    public var sha256: String
}

/// The random models of the golden data, written once per test run (by
/// `ModelWriter`) into a temporary directory removed when the process exits.
public enum TestModels {
    /// A fresh directory for this run's files.
    public static let directory: String = {
        var template = Array((NSTemporaryDirectory() + "/babyllama-tests-XXXXXX").utf8CString)
        // Release tests build with -Ounchecked, where `precondition` is not evaluated at all.
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        if made == nil { fatalError("cannot create a temporary directory") }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        atexit { try? FileManager.default.removeItem(atPath: TestModels.directory) }
        return path
    }()

    /// A new path inside `directory`.
    public static func temporaryPath(_ name: String) -> String {
        directory + "/" + UUID().uuidString + "-" + name
    }

    /// Writes `bytes` to a new temporary file and returns its path.
    public static func write(_ bytes: [UInt8], name: String) -> String {
        let path = temporaryPath(name)
        if !FileManager.default.createFile(atPath: path, contents: Data(bytes)) { fatalError("cannot write \(path)") }
        return path
    }

    /// stories15M's shape, seed 1 (`make_model.py m15.bin --seed 1`).
    public static let m15Tensors = ModelWriter.randomTensors(.stories15M, seed: 1)
    public static let m15 = ModelFile(path: write(ModelWriter.version0(m15Tensors), name: "m15.bin"),
                               sha256: "e45b1bc9a946c953b529742d0deb4a1934cfaf19b0ae231560e3262ffeb4aeaf")
    /// m15 quantized (`--from-v0 m15.bin --version 2`).
    public static let m15q = ModelFile(path: write(ModelWriter.version2(m15Tensors), name: "m15q.bin"),
                                sha256: "2914461171b10932b094fdecff772c6d6f086b515b4f6d52ce538e39a37b7d55")
    public static let tinyUnsharedShape = ModelShape(dim: 64, hiddenDim: 172, layerCount: 2, headCount: 4, kvHeadCount: 2,
                                              vocabSize: 512, seqLen: 128, sharedClassifier: false)
    public static let tinyUnshared = ModelFile(
        path: write(ModelWriter.version0(ModelWriter.randomTensors(tinyUnsharedShape, seed: 7)), name: "tiny_unshared.bin"),
        sha256: "e43fd46b8c1ad9d523fe2846096a516395b45a7e9c6d6e2787d1fad2f7128026")
    /// The bundled trained model.
    public static let stories260K = ModelFile(path: Repository.model("stories260K.bin"),
                                   sha256: "b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696")

    /// The model a golden case names.
    public static func file(named name: String) -> ModelFile? {
        switch name {
        case "m15.bin": return m15
        case "m15q.bin": return m15q
        case "tiny_unshared.bin": return tinyUnshared
        case "stories260K.bin": return stories260K
        default: return nil
        }
    }

    /// The tokenizer a golden case names (both are bundled in models/).
    public static func tokenizerPath(named name: String) -> String { Repository.model(name) }
}
