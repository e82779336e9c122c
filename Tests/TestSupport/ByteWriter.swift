/// Little-endian binary output.
public struct ByteWriter {
    public var bytes: [UInt8] = []

    public init() {}

    public mutating func int32(_ value: Int) {
        uint32(UInt32(bitPattern: Int32(value)))
    }

    public mutating func uint32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func floats<C: Collection>(_ values: C) where C.Element == Float {
        bytes.reserveCapacity(bytes.count + 4 * values.count)
        for value in values { uint32(value.bitPattern) }
    }
}
