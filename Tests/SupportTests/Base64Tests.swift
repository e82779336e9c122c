import Foundation
import Support
import XCTest

final class Base64Tests: XCTestCase {
    func testRFC4648Vectors() {
        let vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                       ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64.encode(Array(plain.utf8)), encoded, "base64(\"\(plain)\")")
        }
    }

    func testEveryByteValueAndLengthMatchesFoundation() {
        let bytes = (0..<256).map { UInt8($0) } + (0..<256).map { UInt8(255 - $0) }
        for length in [0, 1, 2, 3, 4, 5, 62, 63, 64, 255, 256, 257, 511, 512] {
            let slice = Array(bytes.prefix(length))
            XCTAssertEqual(Base64.encode(slice), Data(slice).base64EncodedString(), "length \(length)")
        }
    }

    func testEncodedBytesAreTheStringsASCII() {
        let bytes: [UInt8] = [0xFB, 0xFF, 0xBF]
        XCTAssertEqual(Base64.encodedBytes(bytes), Array("+/+/".utf8))
        XCTAssertEqual(Base64.encode(bytes), "+/+/")
    }
}
