import StoryService
import XCTest

final class SpeakRequestTests: XCTestCase {
    private func parse(_ arguments: [(String, String)], limit: Int = 100) throws -> SpeakRequest {
        try SpeakRequest.parse(arguments.map { (name: $0.0, value: Array($0.1.utf8)) }, maximumTextBytes: limit)
    }

    private func failure(_ arguments: [(name: String, value: [UInt8])], limit: Int = 100) -> APIError? {
        do {
            _ = try SpeakRequest.parse(arguments, maximumTextBytes: limit)
            return nil
        } catch {
            return error
        }
    }

    func testTextAndOptionalSettings() throws {
        let plain = try parse([("text", "Hello there.")])
        XCTAssertEqual(plain, SpeakRequest(text: Array("Hello there.".utf8)))
        XCTAssertFalse(plain.changesSettings)
        let custom = try parse([("rate", "300"), ("text", "Hi"), ("voice", "en-gb+f3"), ("volume", "0"), ("other", "x")])
        XCTAssertEqual(custom, SpeakRequest(text: Array("Hi".utf8), voice: "en-gb+f3", rate: 300, volume: 0))
        XCTAssertTrue(custom.changesSettings)
        XCTAssertEqual(try parse([("text", "first"), ("text", "second")]).text, Array("first".utf8), "the first value counts")
        XCTAssertEqual(try parse([("text", String(repeating: "a", count: 100))]).text.count, 100, "the limit itself is allowed")
        XCTAssertEqual(try parse([("text", "日本")]).text, Array("日本".utf8))
    }

    func testBadParameters() {
        let cases: [([(name: String, value: [UInt8])], Int, String)] = [
            ([], 422, "text"),
            ([(name: "text", value: [])], 422, "text"),
            ([(name: "voice", value: Array("en".utf8))], 422, "text"),
            ([(name: "text", value: [0x61, 0xFF])], 400, "text"),
            ([(name: "text", value: [0xED, 0xA0, 0x80])], 400, "text"),
            ([(name: "text", value: [0x61, 0x00, 0x62])], 422, "text"),
            ([(name: "text", value: Array(repeating: 0x61, count: 101))], 422, "text"),
            ([(name: "text", value: [0x61]), (name: "voice", value: Array("en us".utf8))], 422, "voice"),
            ([(name: "text", value: [0x61]), (name: "voice", value: [])], 422, "voice"),
            ([(name: "text", value: [0x61]), (name: "rate", value: Array("fast".utf8))], 422, "rate"),
            ([(name: "text", value: [0x61]), (name: "rate", value: Array("79".utf8))], 422, "rate"),
            ([(name: "text", value: [0x61]), (name: "rate", value: Array("451".utf8))], 422, "rate"),
            ([(name: "text", value: [0x61]), (name: "rate", value: Array("99999999999999999999".utf8))], 422, "rate"),
            ([(name: "text", value: [0x61]), (name: "rate", value: [])], 422, "rate"),
            ([(name: "text", value: [0x61]), (name: "volume", value: Array("-1".utf8))], 422, "volume"),
            ([(name: "text", value: [0x61]), (name: "volume", value: Array("1.5".utf8))], 422, "volume"),
        ]
        for (arguments, status, param) in cases {
            let error = failure(arguments)
            XCTAssertEqual(error?.status, status, "\(arguments)")
            XCTAssertEqual(error?.param, param, "\(arguments)")
            XCTAssertFalse(error?.message.isEmpty ?? true)
        }
        let long = failure([(name: "text", value: Array(repeating: 0x61, count: 101))])
        XCTAssertTrue(long?.message.contains("101 bytes long") ?? false, long?.message ?? "")
        XCTAssertTrue(long?.message.contains("at most 100 bytes") ?? false, long?.message ?? "")
    }
}
