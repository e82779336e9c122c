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

    /// A shipped file or folder: the first of `checkoutPath` here, `besideName` beside the
    /// executable (the Duo's install), and `checkoutPath` in the executable's directory or
    /// up to three above it (a checkout's `.build/<triple>/release`) for which `exists`
    /// holds; `checkoutPath` when none does, so an error names the usual place.
    static func shipped(checkoutPath: String, besideName: String, exists: (String) -> Bool) -> String {
        var candidates = [checkoutPath]
        if let directory = path() {
            candidates.append(directory + "/" + besideName)
            var folder = directory
            for _ in 0...3 {
                candidates.append(folder + "/" + checkoutPath)
                folder = directoryName(folder)
            }
        }
        return candidates.first(where: exists) ?? checkoutPath
    }
}
