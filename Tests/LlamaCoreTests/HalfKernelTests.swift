import Foundation
import LlamaKernels
import XCTest

/// The fp16 matmul against its in-order reference and the exact sum, and the
/// riscv64 integer conversions against the hardware's.
final class HalfKernelTests: XCTestCase {
    func testHalfMatmulMatchesReference() {
        var random = SeededRandom(seed: 10)
        for cols in KernelShapes.columnCounts {
            for (rows, range) in KernelShapes.rowRanges {
                let w = random.floats(rows * cols).map { Float16($0).bitPattern }
                let x = random.floats(cols)
                var out = [Float](repeating: KernelShapes.sentinel, count: rows)
                var reference = [Float](repeating: 0, count: rows)
                KernelShapes.withBatches(&out, outputWidth: rows, x, inputWidth: cols) { out, x in
                    HalfKernels.matmul(out, x, w, cols: cols, rows: range)
                }
                HalfKernels.matmulReference(&reference, x, w, rows: rows, cols: cols)
                for i in 0..<rows {
                    guard range.contains(i) else {
                        XCTAssertEqual(out[i], KernelShapes.sentinel, "row \(i) outside \(range) was written")
                        continue
                    }
                    var exact = 0.0, absolute = 0.0, inOrder: Float = 0
                    for j in 0..<cols {
                        let weight = Float(Float16(bitPattern: w[i * cols + j]))
                        exact += Double(weight) * Double(x[j])
                        absolute += abs(Double(weight) * Double(x[j]))
                        inOrder += weight * x[j]
                    }
                    XCTAssertEqual(reference[i].bitPattern, inOrder.bitPattern, "reference sums in order")
                    XCTAssertLessThanOrEqual(abs(Double(out[i]) - exact), KernelShapes.summationBound(absolute, cols: cols),
                                             "fp16 simd: cols \(cols) row \(i) of \(range)")
                }
            }
        }
    }

    /// The integer fp16 conversions used on riscv64 equal the hardware's (F16C here) on
    /// every half and on floats around every rounding boundary.
    func testSoftwareHalfConversionsMatchHardware() {
        for bits in 0...0xFFFF {
            let half = UInt16(bits)
            let software = HalfKernels.softwareHalf(half), hardware = Float(Float16(bitPattern: half))
            if software.isNaN || hardware.isNaN {
                XCTAssertTrue(software.isNaN && hardware.isNaN, "half \(half)")
            } else {
                XCTAssertEqual(software.bitPattern, hardware.bitPattern, "half \(half)")
            }
        }
        var mismatches = 0
        for bits in 0...0x7BFF {
            let value = Float(Float16(bitPattern: UInt16(bits)))
            let next = Float(Float16(bitPattern: UInt16(bits + 1)))
            let middle = (value + next) / 2
            for probe in [value, middle, middle.nextDown, middle.nextUp, value.nextUp, -value, -middle] {
                if HalfKernels.softwareHalfBits(probe) != Float16(probe).bitPattern { mismatches += 1 }
            }
        }
        var random = SeededRandom(seed: 14)
        for _ in 0..<200_000 {
            let probe = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &random))
            if probe.isNaN { continue }
            if HalfKernels.softwareHalfBits(probe) != Float16(probe).bitPattern { mismatches += 1 }
        }
        XCTAssertEqual(mismatches, 0)
        XCTAssertEqual(HalfKernels.softwareHalfBits(.infinity), 0x7C00)
        XCTAssertTrue(HalfKernels.softwareHalf(HalfKernels.softwareHalfBits(.nan)).isNaN)
    }
}
