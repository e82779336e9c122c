import CPosix

/// Reads whole (small) files: WAV recordings, grammars, dictionaries.
public enum FileContents {
    /// The bytes of the file at `path`, at most `limit` of them. Throws a one-line
    /// reason: missing, unreadable, not a regular file, or larger than `limit`.
    public static func read(_ path: String, limit: Int) throws(FileReadError) -> [UInt8] {
        let descriptor = path.withCString { shim_open_readonly($0) }
        if descriptor < 0 { throw FileReadError(path: path, reason: systemMessage()) }
        defer { _ = shim_close(descriptor) }
        let size = shim_file_size(descriptor)
        if size < 0 { throw FileReadError(path: path, reason: "not a regular file") }
        if size > Int64(limit) {
            throw FileReadError(path: path, reason: "the file is \(size) bytes, more than the \(limit) accepted")
        }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeMutableBytes { buffer in
                CPosix.read(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if count < 0 { throw FileReadError(path: path, reason: systemMessage()) }
            if count == 0 { break }   // the file shrank while being read
            offset += count
        }
        return Array(bytes[0..<offset])
    }

    private static func systemMessage() -> String {
        guard let text = strerror(shim_errno()) else { return "unknown error" }
        return String(cString: text)
    }
}

/// A file that could not be read, and why.
public struct FileReadError: Error, Equatable, Sendable {
    public let path: String
    public let reason: String

    /// `cannot read 'PATH': REASON`.
    public var message: String { "cannot read '\(path)': \(reason)" }
}
