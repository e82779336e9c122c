import CPosix

/// A whole file mapped read-only into memory. Weights are read in place from
/// the mapping, never copied, so a model costs page cache rather than heap.
public final class MappedFile {
    public let path: String
    /// First byte of the mapping.
    public let base: UnsafeRawPointer
    /// Length of the file in bytes.
    public let size: Int

    public init(path: String) throws(LlamaError) {
        self.path = path
        let fd = path.withCString { shim_open_readonly($0) }
        if fd < 0 { throw .cannotOpen(path: path, reason: MappedFile.systemMessage()) }
        defer { _ = shim_close(fd) }
        let length = shim_file_size(fd)
        if length < 0 { throw .cannotOpen(path: path, reason: "not a regular file") }
        if length == 0 { throw .cannotOpen(path: path, reason: "the file is empty") }
        guard let address = shim_map_file(fd, length) else {
            throw .cannotOpen(path: path, reason: MappedFile.systemMessage())
        }
        base = UnsafeRawPointer(address)
        size = Int(length)
    }

    deinit {
        _ = shim_unmap(UnsafeMutableRawPointer(mutating: base), Int64(size))
    }

    /// The mapping as a buffer.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: size) }

    /// Drops the resident pages wholly inside `byteCount` bytes at `start` (a range of
    /// this mapping); they are read from the file again if touched.
    func release(_ start: UnsafeRawPointer, byteCount: Int) {
        let pageSize = Int(shim_page_size())
        let first = (start - base + pageSize - 1) / pageSize * pageSize
        let end = (start - base + byteCount) / pageSize * pageSize
        if end > first {
            shim_advise_dontneed(UnsafeMutableRawPointer(mutating: base + first), Int64(end - first))
        }
    }

    /// Reads a little-endian Int32 at `offset` (caller checks bounds).
    func int32(at offset: Int) -> Int {
        Int(Int32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
    }

    /// The text of the current errno.
    static func systemMessage() -> String {
        guard let text = strerror(shim_errno()) else { return "unknown error" }
        return String(cString: text)
    }
}
