import CPosix

// The executable's I/O, on plain POSIX calls: Foundation would add ~15 MB of
// resident memory (ICU and friends) to a process meant to fit beside a model.

/// Writes all of `bytes` to a file descriptor; false if a write fails.
@discardableResult
func writeAll<C: Collection>(_ bytes: C, to descriptor: Int32) -> Bool where C.Element == UInt8 {
    let array = Array(bytes)
    return array.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if written <= 0 { return false }
            offset += written
        }
        return true
    }
}

/// Writes bytes to stdout at once, as run.c flushes after each piece.
func standardOutput<C: Collection>(_ bytes: C) where C.Element == UInt8 {
    if !bytes.isEmpty { writeAll(bytes, to: 1) }
}

/// Everything on stdin, until end of file.
func readStandardInput() -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress!, $0.count) }
        if count <= 0 { return bytes }
        bytes.append(contentsOf: chunk[0..<count])
    }
}

/// One line from stdin without its line ending; nil at end of input. Reads a byte
/// at a time so nothing after the line is taken from a terminal or a pipe that a
/// later reader (or another process) should see.
func readStandardInputLine() -> String? {
    var line: [UInt8] = []
    var byte: UInt8 = 0
    while true {
        let count = withUnsafeMutableBytes(of: &byte) { read(0, $0.baseAddress!, 1) }
        if count <= 0 { return line.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
        if byte == UInt8(ascii: "\n") { break }
        line.append(byte)
    }
    if line.last == UInt8(ascii: "\r") { line.removeLast() }
    return String(decoding: line, as: UTF8.self)
}

/// Writes a whole file; false if it cannot be created or written.
func writeFile(_ path: String, _ bytes: [UInt8]) -> Bool {
    let descriptor = path.withCString { shim_create_file($0) }
    if descriptor < 0 { return false }
    defer { _ = shim_close(descriptor) }
    return writeAll(bytes, to: descriptor)
}

func fileExists(_ path: String) -> Bool {
    path.withCString { access($0, F_OK) } == 0
}

/// The directory part of a path ("." when there is none).
func directoryName(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

/// Online CPUs.
var processorCount: Int { Int(shim_cpu_count()) }

/// `text` padded with spaces on the right to `width` characters.
func padded(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}
