/// NumPy's `.npy` format, version 1.0.
enum NumpyFile {
    /// A little-endian float32 array of `shape` holding `data`.
    static func float32(_ data: [UInt8], shape: [Int]) -> [UInt8] {
        var dimensions = ""
        for (index, size) in shape.enumerated() { dimensions += (index == 0 ? "" : ", ") + String(size) }
        if shape.count == 1 { dimensions += "," }
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dimensions)), }"
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
