import Support
import XCTest

final class FixedDecimalTests: XCTestCase {
    func testDecimals() {
        XCTAssertEqual(FixedDecimal.format(3.14159, decimals: 2), "3.14")
        XCTAssertEqual(FixedDecimal.format(2.5e-7, decimals: 6), "0.000000")
        XCTAssertEqual(FixedDecimal.format(-1.5, decimals: 0), "-2")
        XCTAssertEqual(FixedDecimal.format(7, decimals: -1), "7")
        XCTAssertEqual(FixedDecimal.format(1234.5678, decimals: 6), "1234.567800")
    }

    /// Prometheus's spellings.
    func testNonFinite() {
        XCTAssertEqual(FixedDecimal.format(.nan, decimals: 1), "NaN")
        XCTAssertEqual(FixedDecimal.format(.infinity, decimals: 1), "+Inf")
        XCTAssertEqual(FixedDecimal.format(-.infinity, decimals: 1), "-Inf")
    }

    func testValuesLongerThanTheFirstBuffer() {
        let text = FixedDecimal.format(1e70, decimals: 1)
        XCTAssertEqual(text.count, 73)
        XCTAssertTrue(text.hasPrefix("1000000000"))
        XCTAssertTrue(text.hasSuffix(".0"))
    }
}
