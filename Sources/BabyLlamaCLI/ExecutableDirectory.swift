import CPosix

/// Where the files the Duo build ships beside its binary (espeak-ng-data, alsa)
/// are looked for.
enum ExecutableDirectory {
    /// The directory of /proc/self/exe (an absolute path), or nil when it cannot be read.
    static func path() -> String? {
        var buffer = [CChar](repeating: 0, count: 4_096)
        let length = buffer.withUnsafeMutableBufferPointer { readlink("/proc/self/exe", $0.baseAddress!, $0.count - 1) }
        if length <= 0 { return nil }
        let path = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return directoryName(path)
    }
}
