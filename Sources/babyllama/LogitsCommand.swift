import ArgumentParser
import LlamaCore

/// `babyllama logits`: teacher-forced logits at chosen positions, as a NumPy
/// `.npy` file, for comparing with a reference.
struct LogitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logits",
        abstract: "Write teacher-forced logits (float32 .npy, shape [positions, vocab]).")

    @OptionGroup var model: ModelOptions

    @Option(name: .long, help: "Comma-separated token ids to feed, BOS first.")
    var tokens: String

    @Option(name: .long, help: "Comma-separated positions to keep (default: all).")
    var positions: String?

    @Option(name: .long, help: "Output .npy file.")
    var out: String

    func run() throws {
        try reportingErrors {
            let transformer = try model.loadTransformer()
            let config = transformer.config
            let ids = try parseList(tokens, name: "--tokens")
            if ids.isEmpty { throw LlamaError.invalidArgument("--tokens is empty") }
            if ids.count > config.seqLen { throw LlamaError.promptTooLong(tokens: ids.count, limit: config.seqLen) }
            if let bad = ids.first(where: { $0 < 0 || $0 >= config.vocabSize }) {
                throw LlamaError.invalidArgument("token id \(bad) is outside the vocabulary (0..<\(config.vocabSize))")
            }
            let kept = try positions.map { try parseList($0, name: "--positions") } ?? Array(0..<ids.count)
            if let bad = kept.first(where: { $0 < 0 || $0 >= ids.count }) {
                throw LlamaError.invalidArgument("position \(bad) is outside 0..<\(ids.count)")
            }
            var rows = [[Float]](repeating: [], count: ids.count)
            let wanted = Set(kept)
            for (position, token) in ids.enumerated() {
                let logits = transformer.forward(token: token, position: position)
                if wanted.contains(position) { rows[position] = Array(logits) }
            }
            var data: [UInt8] = []
            for position in kept { rows[position].withUnsafeBytes { data.append(contentsOf: $0) } }
            let file = NumpyFile.float32(data, shape: [kept.count, config.vocabSize])
            guard writeFile(out, file) else {
                throw LlamaError.cannotOpen(path: out, reason: "cannot write the file")
            }
        }
    }

    private func parseList(_ text: String, name: String) throws -> [Int] {
        try text.split(separator: ",").map { part in
            guard let value = Int(part.filter { $0 != " " }) else {
                throw LlamaError.invalidArgument("\(name): '\(part)' is not an integer")
            }
            return value
        }
    }
}

/// NumPy's `.npy` format, version 1.0.
enum NumpyFile {
    /// A little-endian float32 array of `shape` holding `data`.
    static func float32(_ data: [UInt8], shape: [Int]) -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
        // The magic, version and length take 10 bytes; pad so data starts on a 64-byte boundary.
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var file: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(header.utf8.count)
        file.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        file.append(contentsOf: Array(header.utf8))
        file.append(contentsOf: data)
        return file
    }
}
