import Support
import XCTest

final class UTF8RepairTests: XCTestCase {
    private let fffd: [UInt8] = [0xEF, 0xBF, 0xBD]

    func testValidTextPassesThrough() {
        let text = Array("Once upon a time, ünïcödé 日本 🦙 \u{0}".utf8)
        XCTAssertEqual(UTF8Repair.repaired(text), text)
    }

    func testInvalidBytesBecomeReplacementCharacters() {
        // A lone continuation byte, an overlong encoding, a surrogate, a byte never valid, a cut-short sequence.
        XCTAssertEqual(UTF8Repair.repaired([0x41, 0x80, 0x42]), [0x41] + fffd + [0x42])
        XCTAssertEqual(UTF8Repair.repaired([0xC0, 0xAF]), fffd + fffd)
        XCTAssertEqual(UTF8Repair.repaired([0xED, 0xA0, 0x80]), fffd + fffd + fffd)
        XCTAssertEqual(UTF8Repair.repaired([0xFF]), fffd)
        XCTAssertEqual(UTF8Repair.repaired([0xE6, 0x97, 0x41]), fffd + [0x41])
        XCTAssertEqual(UTF8Repair.repaired([0xF4, 0x90, 0x80, 0x80]), fffd + fffd + fffd + fffd)
    }

    func testIncompleteTailIsHeldBackUntilCompleted() {
        let llama = Array("🦙".utf8)   // F0 9F A6 99
        var repair = UTF8Repair()
        var out: [UInt8] = []
        repair.append([0x61, llama[0]], into: &out)
        XCTAssertEqual(out, [0x61])
        XCTAssertTrue(repair.hasPendingBytes)
        repair.append(llama[1...2], into: &out)
        XCTAssertEqual(out, [0x61])
        repair.append([llama[3]], into: &out)
        XCTAssertEqual(out, [0x61] + llama)
        XCTAssertFalse(repair.hasPendingBytes)
    }

    func testUnfinishedCharacterAtTheEndBecomesOneReplacement() {
        var repair = UTF8Repair()
        var out: [UInt8] = []
        repair.append([0x62, 0xE6, 0x97], into: &out)
        XCTAssertEqual(out, [0x62])
        repair.finish(into: &out)
        XCTAssertEqual(out, [0x62] + fffd)
    }

    func testOutputIsAlwaysValidUTF8() {
        var state: UInt64 = 12345
        for _ in 0..<200 {
            var bytes: [UInt8] = []
            for _ in 0..<64 {
                state = state &* 6_364_136_223_846_793_005 &+ 1
                bytes.append(UInt8(truncatingIfNeeded: state >> 56))
            }
            let repaired = UTF8Repair.repaired(bytes)
            XCTAssertNotNil(String(validating: repaired, as: UTF8.self), "\(bytes)")
            // Feeding the bytes one at a time gives the same text.
            var repair = UTF8Repair()
            var out: [UInt8] = []
            for byte in bytes { repair.append([byte], into: &out) }
            repair.finish(into: &out)
            XCTAssertEqual(out, repaired)
        }
    }
}
