import Foundation

/// Bounds-checked little-endian reads.
public struct ByteReader {
    public let bytes: [UInt8]
    public var offset = 0

    public init(bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public func uint32(at position: Int) throws -> UInt32 {
        guard position >= 0, position + 4 <= bytes.count else { throw FixtureError("oracle: file too short") }
        return UInt32(bytes[position]) | UInt32(bytes[position + 1]) << 8
            | UInt32(bytes[position + 2]) << 16 | UInt32(bytes[position + 3]) << 24
    }

    public func int32(at position: Int) throws -> Int { Int(Int32(bitPattern: try uint32(at: position))) }

    public mutating func nextInt32() throws -> Int {
        defer { offset += 4 }
        return try int32(at: offset)
    }

    public mutating func nextFloats(_ count: Int) throws -> [Double] {
        guard offset + 4 * count <= bytes.count else { throw FixtureError("oracle: file too short") }
        var out = [Double](repeating: 0, count: count)
        for i in 0..<count { out[i] = Double(Float(bitPattern: try uint32(at: offset + 4 * i))) }
        offset += 4 * count
        return out
    }

    /// A Q8_0 tensor (`count` int8 values, then count/groupSize float32 scales), dequantized.
    public mutating func nextQ8(_ count: Int, groupSize: Int) throws -> [Double] {
        guard offset + count <= bytes.count else { throw FixtureError("oracle: file too short") }
        let values = bytes[offset..<(offset + count)].map { Double(Int8(bitPattern: $0)) }
        offset += count
        let scales = try nextFloats(count / groupSize)
        return values.indices.map { values[$0] * scales[$0 / groupSize] }
    }
}

/// Little-endian float32 arrays in files.
public enum LittleEndian {
    public static func floats(_ data: Data) -> [Float] {
        data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
    }
}
