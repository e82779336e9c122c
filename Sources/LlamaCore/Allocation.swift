import CPosix

/// Memory that may be refused: large buffers (key/value caches) come from calloc, so a
/// process under a memory limit gets nil and says so, instead of Swift's allocator
/// trapping; calloc's pages are zero and take no memory until they are written.
enum Allocation {
    /// `count` zeroed floats, or nil when the system refuses them.
    static func floats(_ count: Int) -> UnsafeMutablePointer<Float>? {
        guard count >= 0, count <= Int.max / MemoryLayout<Float>.size,
              let raw = calloc(max(1, count), MemoryLayout<Float>.size) else { return nil }
        return raw.bindMemory(to: Float.self, capacity: max(1, count))
    }

    /// Gives back what `floats` returned.
    static func free(_ pointer: UnsafeMutablePointer<Float>) {
        CPosix.free(UnsafeMutableRawPointer(pointer))
    }
}
