import Foundation
import Support
import XCTest

final class JSONValueTests: XCTestCase {
    private func text(_ value: JSONValue) -> String { String(decoding: value.serialized(), as: UTF8.self) }

    func testCompactWithMembersInOrder() {
        let value = JSONValue.object([("z", .int(-3)), ("a", .array([.bool(true), .null, .string("x")])), ("m", .object([]))])
        XCTAssertEqual(text(value), #"{"z":-3,"a":[true,null,"x"],"m":{}}"#)
        XCTAssertEqual(text(.int(Int.min)), "\(Int.min)")
    }

    /// Escaped as jansson escapes (the service's answers were jansson's): short forms, else \u00XX in upper case.
    func testStringsEscapeAsJansson() {
        let bytes: [UInt8] = Array("q\"b\\s/".utf8) + [0x08, 0x0C, 0x0A, 0x0D, 0x09, 0x00, 0x1F, 0x7F] + Array("é🦙".utf8)
        XCTAssertEqual(text(.bytes(bytes)), #""q\"b\\s/\b\f\n\r\t\u0000\u001F"# + "\u{7F}é🦙\"")
        XCTAssertEqual(text(.string("")), #""""#)
        XCTAssertEqual(text(.bytes([])), #""""#)
    }

    /// Every ASCII byte, against what libjansson 2.14's json_dumps wrote for the same string.
    func testEveryASCIIByteAsJanssonWritesIt() {
        let jansson = #""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000B\f\r\u000E\u000F\u0010\u0011"#
            + ##"\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F !\"#$%&'()*+,-./"##
            + #"0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"# + "\u{7F}\""
        XCTAssertEqual(text(.bytes(Array(0..<0x80))), jansson)
    }

    func testInvalidUTF8IsRepairedAsUTF8Repair() {
        let bytes: [UInt8] = [0x41, 0x80, 0xE6, 0x97, 0x41, 0xED, 0xA0, 0x80, 0xF0, 0x9F, 0xA6]
        let expected = "\"" + String(decoding: UTF8Repair.repaired(bytes), as: UTF8.self) + "\""
        XCTAssertEqual(text(.bytes(bytes)), expected)
        XCTAssertEqual(text(.bytes(bytes)), "\"A\u{FFFD}\u{FFFD}A\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\"")
    }

    /// Megabytes of base64 (a story's WAV) go through the plain-run copy.
    func testLongASCIIStringsAreCopiedWhole() {
        let data = [UInt8](repeating: UInt8(ascii: "Q"), count: 8 << 20)
        let start = Date()
        let out = JSONValue.object([("data", .bytes(data))]).serialized()
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
        XCTAssertEqual(out.count, data.count + 11)
        XCTAssertEqual(out.suffix(2), [UInt8(ascii: "\""), UInt8(ascii: "}")])
    }

    /// Shortest text that reads back exactly; `.0` on integral values, as jansson wrote reals.
    func testNumbers() {
        let cases: [(Double, String)] = [
            (0, "0.0"), (-0.0, "-0.0"), (3, "3.0"), (0.1, "0.1"), (12.345, "12.345"), (1234.57, "1234.57"),
            (1e-7, "1e-7"), (1e21, "1e21"), (-2.5e-300, "-2.5e-300"), (1.0 / 3, "0.3333333333333333"),
            (Double.greatestFiniteMagnitude, "1.7976931348623157e308"), (.nan, "null"), (.infinity, "null"),
            (-.infinity, "null"),
        ]
        for (value, expected) in cases { XCTAssertEqual(text(.double(value)), expected, "\(value)") }
    }

    func testNumbersReadBackExactly() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let value = Double(bitPattern: state)
            guard value.isFinite else { continue }
            // (Double(_:) reads correctly rounded; corelibs-foundation's JSONSerialization does not.)
            let written = text(.double(value))
            XCTAssertEqual(Double(written)?.bitPattern, value.bitPattern, written)
            XCTAssertLessThanOrEqual(written.utf8.count, "\(value)".utf8.count + 2, "not the shortest: \(written) for \(value)")
        }
    }
}
