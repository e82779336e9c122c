import StoryService
import XCTest

final class GenerationRequestTests: XCTestCase {
    private func parse(_ text: String, _ dialect: APIDialect = .native) throws -> GenerationRequest {
        try GenerationRequest.parse(Array(text.utf8), dialect: dialect)
    }

    private func status(_ text: String, _ dialect: APIDialect = .native) -> Int? {
        do {
            _ = try GenerationRequest.parse(Array(text.utf8), dialect: dialect)
            return nil
        } catch {
            return error.status
        }
    }

    func testDefaultsAreRunCs() throws {
        let request = try parse(#"{"prompt": "Once"}"#)
        XCTAssertEqual(request.prompt, Array("Once".utf8))
        XCTAssertNil(request.seed)
        XCTAssertEqual(request.temperature, 1.0)
        XCTAssertEqual(request.topP, 0.9)
        XCTAssertNil(request.maxTokens)
        XCTAssertFalse(request.stream)
    }

    func testAllMembers() throws {
        let request = try parse(#"{"prompt": "", "seed": 9223372036854775807, "temperature": 0, "top_p": 1,"#
                                + #" "max_tokens": 7, "stream": true, "model": "ignored"}"#)
        XCTAssertEqual(request.seed, UInt64(Int64.max))
        XCTAssertEqual(request.temperature, 0)
        XCTAssertEqual(request.topP, 1)
        XCTAssertEqual(request.maxTokens, 7)
        XCTAssertTrue(request.stream)
        XCTAssertEqual(try parse(#"{"prompt": "a", "top_p": 1.2e-38}"#).topP, Float(1.2e-38))
        XCTAssertNil(try parse(#"{"prompt": "a", "seed": 0}"#).seed, "0 asks for a random seed")
        XCTAssertNil(try parse(#"{"prompt": "a", "seed": null}"#).seed)
    }

    func testSpeechMembers() throws {
        let plain = try parse(#"{"prompt": "a"}"#)
        XCTAssertFalse(plain.speak)
        XCTAssertNil(plain.audio)
        XCTAssertFalse(plain.wantsSpeech)
        let both = try parse(#"{"prompt": "a", "speak": true, "audio": "wav"}"#)
        XCTAssertTrue(both.speak)
        XCTAssertEqual(both.audio, .wav)
        XCTAssertTrue(both.wantsSpeech)
        XCTAssertEqual(try parse(#"{"prompt": "a", "audio": "wav"}"#, .openAICompletions).audio, .wav)
        XCTAssertNil(try parse(#"{"prompt": "a", "audio": null, "speak": null}"#).audio)
        for body in [#"{"prompt": "a", "audio": true}"#, #"{"prompt": "a", "audio": "mp3"}"#,
                     #"{"prompt": "a", "audio": "WAV"}"#, #"{"prompt": "a", "audio": ""}"#,
                     #"{"prompt": "a", "audio": {"format": "wav"}}"#, #"{"prompt": "a", "speak": "true"}"#] {
            XCTAssertEqual(status(body), 422, body)
            XCTAssertEqual(status(body, .openAICompletions), 422, body)
        }
        do {
            _ = try GenerationRequest.parse(Array(#"{"prompt": "a", "audio": "mp3"}"#.utf8), dialect: .native)
            XCTFail("'audio': 'mp3' accepted")
        } catch {
            XCTAssertEqual(error.param, "audio")
            XCTAssertTrue(error.message.contains(#""wav""#), error.message)
        }
    }

    func testOpenAIPromptArray() throws {
        XCTAssertEqual(try parse(#"{"prompt": ["hi"], "n": 1}"#, .openAICompletions).prompt, Array("hi".utf8))
        XCTAssertEqual(status(#"{"prompt": ["hi"]}"#, .native), 422)
        XCTAssertEqual(status(#"{"prompt": ["a", "b"]}"#, .openAICompletions), 422)
        XCTAssertEqual(status(#"{"prompt": "a", "n": 2}"#, .openAICompletions), 422)
    }

    func testMalformedBodiesAre400() {
        for body in ["", "{", #"{"prompt": "a""#, #"{"prompt": "a"} x"#, "nul", String(repeating: "[", count: 3000)] {
            XCTAssertEqual(status(body), 400, body)
        }
        XCTAssertEqual((try? GenerationRequest.parse([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D], dialect: .native)) == nil, true)
        do {
            _ = try GenerationRequest.parse(Array(#"{"prompt": ""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8), dialect: .native)
            XCTFail("invalid UTF-8 accepted")
        } catch {
            XCTAssertEqual(error.status, 400)
            XCTAssertTrue(error.message.contains("UTF-8"), error.message)
        }
    }

    func testNestingIsLimitedBeforeJanssonRecurses() {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        do {
            _ = try GenerationRequest.parse(Array(deep.utf8), dialect: .native)
            XCTFail("65 levels accepted")
        } catch {
            XCTAssertEqual(error.status, 400)
            XCTAssertTrue(error.message.contains("nested more than 64 levels"), error.message)
        }
        // 64 levels parse (and are then the wrong shape); brackets inside strings do not count.
        let object = #"{"prompt": "a", "x": "# + String(repeating: "[", count: 63) + String(repeating: "]", count: 63) + "}"
        XCTAssertNoThrow(try parse(object))
        // A string of brackets, ending in an escaped quote: {"prompt": "[{[{...\""}
        let inside = String(repeating: "[{", count: 200)
        let bracketsInString = "{\"prompt\": \"" + inside + "\\\"\"}"
        XCTAssertEqual(try parse(bracketsInString).prompt, Array((inside + "\"").utf8))
    }

    func testWrongShapesAndRangesAre422() {
        let bodies = [
            "[]", "3", #""text""#, "{}", #"{"prompt": null}"#, #"{"prompt": 3}"#, #"{"prompt": "a\u0000b"}"#,
            #"{"prompt": "a", "seed": -1}"#, #"{"prompt": "a", "seed": 1.5}"#, #"{"prompt": "a", "seed": "1"}"#,
            #"{"prompt": "a", "seed": 99999999999999999999999}"#,
            #"{"prompt": "a", "temperature": -0.1}"#, #"{"prompt": "a", "temperature": "hot"}"#,
            #"{"prompt": "a", "temperature": 1e39}"#, #"{"prompt": "a", "temperature": 1e999}"#,
            #"{"prompt": "a", "top_p": 0}"#, #"{"prompt": "a", "top_p": 1.01}"#, #"{"prompt": "a", "top_p": -1}"#,
            #"{"prompt": "a", "top_p": 1e-300}"#, #"{"prompt": "a", "top_p": 5e-324}"#,
            #"{"prompt": "a", "max_tokens": 0}"#, #"{"prompt": "a", "max_tokens": 2.5}"#,
            #"{"prompt": "a", "stream": 1}"#, #"{"prompt": "a", "speak": "yes"}"#,
        ]
        for body in bodies { XCTAssertEqual(status(body), 422, body) }
    }

    /// Each range error names the bound that was crossed (a huge temperature is not "below 0").
    func testRangeMessagesNameTheBound() {
        for (body, fragment) in [(#"{"prompt": "a", "temperature": 1e308}"#, "at most 3.4e38"),
                                 (#"{"prompt": "a", "temperature": -1}"#, "0 or more"),
                                 (#"{"prompt": "a", "top_p": 1e-300}"#, "at least 1.2e-38")] {
            do {
                _ = try parse(body)
                XCTFail("accepted \(body)")
            } catch let error as APIError {
                XCTAssertTrue(error.message.contains(fragment), error.message)
            } catch {
                XCTFail("\(error)")
            }
        }
    }

    func testErrorBodyShape() throws {
        let error = APIError.invalid("'top_p' must be greater than 0 and at most 1", param: "top_p")
        let object = try JSONSerialization.jsonObject(with: Data(error.body())) as? [String: Any]
        let inner = object?["error"] as? [String: Any]
        XCTAssertEqual(inner?["code"] as? Int, 422)
        XCTAssertEqual(inner?["type"] as? String, "invalid_request_error")
        XCTAssertEqual(inner?["param"] as? String, "top_p")
        XCTAssertEqual(inner?["message"] as? String, error.message)
    }
}
