import CPosix

/// Numbers as text with a fixed number of decimals, for logs, tables, headers and
/// Prometheus metrics (Embedded Swift cannot print floating-point numbers itself).
public enum FixedDecimal {
    /// `value` with exactly `decimals` digits after the point (printf's `%.*f`), or
    /// `NaN`, `+Inf` and `-Inf` as Prometheus spells the values `%f` cannot show.
    public static func format(_ value: Double, decimals: Int) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        // 64 bytes hold every value below 1e40 with up to 20 decimals; larger ones
        // are formatted again at the length snprintf asked for.
        var capacity = 64
        while true {
            var buffer = [UInt8](repeating: 0, count: capacity)
            let length = buffer.withUnsafeMutableBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) {
                    Int(shim_format_fixed($0.baseAddress, $0.count, value, Int32(max(0, decimals))))
                }
            }
            if length < 0 { return "" }
            if length < capacity { return String(decoding: buffer[0..<length], as: UTF8.self) }
            capacity = length + 1
        }
    }
}
