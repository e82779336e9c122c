import Foundation

/// A NumPy `.npy` (version 1.x) file of little-endian float32.
public struct NumpyArray {
    public var shape: [Int]
    public var values: [Float]

    public init(data: Data) throws {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw FixtureError("npy: bad magic")
        }
        guard bytes[6] == 1 else { throw FixtureError("npy: version \(bytes[6]).\(bytes[7]) is not 1.x") }
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        let dataStart = 10 + headerLength
        guard bytes.count >= dataStart, dataStart % 64 == 0 else { throw FixtureError("npy: bad header length") }
        let header = String(decoding: bytes[10..<dataStart], as: UTF8.self)
        guard header.hasSuffix("\n") else { throw FixtureError("npy: header does not end in a newline") }
        guard header.contains("'descr': '<f4'") else { throw FixtureError("npy: not little-endian float32: \(header)") }
        guard header.contains("'fortran_order': False") else { throw FixtureError("npy: not C order") }
        guard let open = header.range(of: "'shape': ("),
              let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw FixtureError("npy: no shape in \(header)")
        }
        shape = try header[open.upperBound..<close].split(separator: ",").map {
            guard let value = Int($0.trimmingCharacters(in: .whitespaces)) else { throw FixtureError("npy: bad shape") }
            return value
        }
        values = LittleEndian.floats(Data(bytes[dataStart...]))
        guard values.count == shape.reduce(1, *), (bytes.count - dataStart) % 4 == 0 else {
            throw FixtureError("npy: \(values.count) values for shape \(shape)")
        }
    }
}
