import LlamaCore
import XCTest

final class SHA256Tests: XCTestCase {
    func testKnownDigests() {
        func hex(_ text: String) -> String { Array(text.utf8).withUnsafeBytes { SHA256.hex(of: $0) } }
        XCTAssertEqual(hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(hex(String(repeating: "a", count: 1000)),
                       "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    func testIncrementalUpdatesMatchOneShot() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let oneShot = bytes.withUnsafeBytes { SHA256.hex(of: $0) }
        var hasher = SHA256()
        var offset = 0
        for size in [1, 63, 64, 65, 7, 200, 600] {
            bytes[offset..<min(bytes.count, offset + size)].withUnsafeBytes { hasher.update($0) }
            offset = min(bytes.count, offset + size)
        }
        XCTAssertEqual(offset, bytes.count)
        let digest = hasher.finalize().map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        XCTAssertEqual(digest, oneShot)
    }
}
