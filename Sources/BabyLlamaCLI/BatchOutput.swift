import CPosix
import LlamaCore
import Support

/// Where `batch` writes its JSON lines: a file (`--out`) or standard output, a line
/// at a time as stories end, so what is told is kept even if the run stops later.
struct BatchOutput {
    private let descriptor: Int32
    /// False once a write failed.
    private(set) var succeeded = true

    init(path: String?) throws(LlamaError) {
        guard let path else {
            descriptor = 1
            return
        }
        descriptor = path.withCString { shim_create_file($0) }
        if descriptor < 0 {
            throw .cannotOpen(path: path, reason: String(cString: strerror(shim_errno())))
        }
    }

    mutating func write(_ line: JSONValue) {
        if !writeAll(line.serialized() + [UInt8(ascii: "\n")], to: descriptor) { succeeded = false }
    }
}
