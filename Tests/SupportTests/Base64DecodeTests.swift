import Foundation
import Support
import XCTest

final class Base64DecodeTests: XCTestCase {
    func testDecodingReversesEncodingAtEveryLength() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            XCTAssertEqual(Base64.decode(Base64.encodedBytes(bytes)), bytes, "length \(length)")
            XCTAssertEqual(Base64.decode(Array(Data(bytes).base64EncodedString(options: .lineLength64Characters).utf8)),
                           bytes, "Foundation's line-broken encoding, length \(length)")
        }
    }

    func testNotBase64IsNil() {
        for text in ["a", "abc", "ab=c", "a===", "ab==cd==", "ab!d", "YWJj\u{0}", "====", "YQ==YQ=="] {
            XCTAssertNil(Base64.decode(Array(text.utf8)), text)
        }
        XCTAssertEqual(Base64.decode(Array("YQ==".utf8)), Array("a".utf8))
        XCTAssertEqual(Base64.decode(Array("".utf8)), [])
    }
}
