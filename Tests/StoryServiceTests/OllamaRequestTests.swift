import StoryService
import XCTest

/// Ollama's `/api/generate` and `/api/chat` bodies, read as the generations they ask for.
final class OllamaRequestTests: XCTestCase {
    private func parse(_ text: String, _ endpoint: OllamaRequest.Endpoint = .generate) throws -> OllamaRequest {
        try OllamaRequest.parse(Array(text.utf8), endpoint: endpoint)
    }

    private func generation(_ text: String, _ endpoint: OllamaRequest.Endpoint = .generate) throws -> GenerationRequest {
        try XCTUnwrap(parse(text, endpoint).generation, text)
    }

    /// The error a body gets, or nil if it is accepted.
    private func error(_ text: String, _ endpoint: OllamaRequest.Endpoint = .generate) -> APIError? {
        do {
            _ = try OllamaRequest.parse(Array(text.utf8), endpoint: endpoint)
            return nil
        } catch {
            return error
        }
    }

    func testDefaultsAreV1GeneratesButStreaming() throws {
        let request = try parse(#"{"model": "stories260K", "prompt": "Once"}"#)
        XCTAssertEqual(request.model, "stories260K")
        let story = try XCTUnwrap(request.generation)
        // The same request as {"prompt": "Once"} to /v1/generate, streamed as Ollama streams by default.
        var expected = try GenerationRequest.parse(Array(#"{"prompt": "Once"}"#.utf8), dialect: .native)
        expected.stream = true
        XCTAssertEqual(story, expected)
        XCTAssertFalse(try generation(#"{"prompt": "a", "stream": false}"#).stream)
        XCTAssertEqual(try parse(#"{"prompt": "a"}"#).model, "", "no model: the loaded one")
    }

    func testOptionsAreV1GeneratesSettings() throws {
        let story = try generation(#"{"prompt": "Lily", "options": {"seed": 42, "temperature": 0.5, "top_p": 0.75,"#
                                   + #" "num_predict": 30, "top_k": 40, "num_ctx": 8192, "stop": ["\n"]}}"#)
        let native = try GenerationRequest.parse(
            Array(#"{"prompt": "Lily", "seed": 42, "temperature": 0.5, "top_p": 0.75, "max_tokens": 30, "stream": true}"#.utf8),
            dialect: .native)
        XCTAssertEqual(story, native)
        XCTAssertEqual(try generation(#"{"prompt": "a", "options": {"temperature": 0}}"#).temperature, 0)
        XCTAssertEqual(try generation(#"{"prompt": "a", "options": {"top_p": 1}}"#).topP, 1)
    }

    func testSeedZeroOrNegativeIsRandom() throws {
        for seed in ["0", "-1", "-42", "null"] {
            XCTAssertNil(try generation(#"{"prompt": "a", "options": {"seed": \#(seed)}}"#).seed, seed)
        }
        XCTAssertEqual(try generation(#"{"prompt": "a", "options": {"seed": 9223372036854775807}}"#).seed, UInt64(Int64.max))
    }

    func testNumPredictWithoutLimitRunsToTheContext() throws {
        for value in ["-1", "-2", "0", "4294967296"] {
            XCTAssertEqual(try generation(#"{"prompt": "a", "options": {"num_predict": \#(value)}}"#).maxTokens,
                           OllamaRequest.unlimitedTokens, value)
        }
        XCTAssertEqual(try generation(#"{"prompt": "a", "options": {"num_predict": 1}}"#).maxTokens, 1)
        XCTAssertNil(try generation(#"{"prompt": "a", "options": {}}"#).maxTokens, "absent: run's default")
    }

    func testNoPromptIsALoadRequest() throws {
        XCTAssertNil(try parse(#"{"model": "stories260K"}"#).generation)
        XCTAssertNil(try parse(#"{"model": "stories260K", "prompt": ""}"#).generation)
        XCTAssertNil(try parse(#"{"model": "stories260K", "messages": []}"#, .chat).generation)
        XCTAssertNil(try parse(#"{"model": "stories260K"}"#, .chat).generation)
    }

    func testChatPromptIsTheLastUserMessage() throws {
        let body = #"{"model": "m", "messages": [{"role": "system", "content": "You are a storyteller."},"#
            + #" {"role": "user", "content": "Tom and his dog"}, {"role": "assistant", "content": " went out."},"#
            + #" {"role": "user", "content": "Lily found a dragon", "images": []}], "stream": false,"#
            + #" "tools": [{"type": "function"}], "options": {"seed": 5}}"#
        let story = try generation(body, .chat)
        XCTAssertEqual(story.prompt, Array("Lily found a dragon".utf8))
        XCTAssertFalse(story.stream)
        XCTAssertEqual(story.seed, 5)
        XCTAssertEqual(try generation(#"{"messages": [{"role": "user"}]}"#, .chat).prompt, [],
                       "a user message without content: a story from nothing")
        XCTAssertEqual(try generation(#"{"messages": [{"role": "user", "content": "ü日本"}]}"#, .chat).prompt,
                       Array("ü日本".utf8))
    }

    func testBadBodies() throws {
        let malformed = [#"{"prompt": "a""#, "", "[1,"]
        for body in malformed {
            XCTAssertEqual(error(body)?.status, 400, body)
            XCTAssertEqual(error(body, .chat)?.status, 400, body)
        }
        let invalid: [(String, OllamaRequest.Endpoint, String)] = [
            (#"[]"#, .generate, ""),
            (#"{"prompt": 1}"#, .generate, "prompt"),
            (#"{"prompt": "a", "model": 3}"#, .generate, "model"),
            (#"{"prompt": "a\u0000b"}"#, .generate, "prompt"),
            (#"{"prompt": "a", "stream": "yes"}"#, .generate, "stream"),
            (#"{"prompt": "a", "options": [1]}"#, .generate, "options"),
            (#"{"prompt": "a", "options": {"temperature": -1}}"#, .generate, "options.temperature"),
            (#"{"prompt": "a", "options": {"temperature": "hot"}}"#, .generate, "options.temperature"),
            (#"{"prompt": "a", "options": {"top_p": 0}}"#, .generate, "options.top_p"),
            (#"{"prompt": "a", "options": {"top_p": 1.5}}"#, .generate, "options.top_p"),
            (#"{"prompt": "a", "options": {"seed": 1.5}}"#, .generate, "options.seed"),
            (#"{"prompt": "a", "options": {"num_predict": "ten"}}"#, .generate, "options.num_predict"),
            (#"{"messages": {"role": "user"}}"#, .chat, "messages"),
            (#"{"messages": [{"role": "system", "content": "hi"}]}"#, .chat, "messages"),
            (#"{"messages": ["hi"]}"#, .chat, "messages"),
            (#"{"messages": [{"content": "hi"}]}"#, .chat, "messages"),
            (#"{"messages": [{"role": "user", "content": ["hi"]}]}"#, .chat, "messages"),
        ]
        for (body, endpoint, param) in invalid {
            let found = error(body, endpoint)
            XCTAssertEqual(found?.status, 422, body)
            XCTAssertEqual(found?.param ?? "", param, body)
            XCTAssertFalse(found?.message.isEmpty ?? true, body)
        }
        // Ollama's clients get these as 400 {"error": "message"}.
        let shaped = try XCTUnwrap(error(#"{"prompt": "a", "options": {"top_p": 2}}"#))
        XCTAssertEqual(shaped.status(in: .ollama), 400)
        XCTAssertEqual(String(decoding: shaped.answer(in: .ollama).serialized(), as: UTF8.self),
                       #"{"error":"'options.top_p' must be greater than 0 and at most 1"}"#)
        XCTAssertEqual(shaped.status(in: .object), 422)
    }

    func testShowTakesModelOrName() throws {
        XCTAssertEqual(try OllamaRequest.modelName(Array(#"{"model": "a", "name": "b"}"#.utf8), members: ["model", "name"]), "a")
        XCTAssertEqual(try OllamaRequest.modelName(Array(#"{"name": "b"}"#.utf8), members: ["model", "name"]), "b")
        XCTAssertEqual(try OllamaRequest.modelName(Array(#"{"model": "", "name": "b"}"#.utf8), members: ["model", "name"]), "b")
        XCTAssertEqual(try OllamaRequest.modelName(Array("{}".utf8), members: ["model", "name"]), "")
        XCTAssertThrowsError(try OllamaRequest.modelName(Array(#"{"model": 1}"#.utf8), members: ["model"]))
        XCTAssertThrowsError(try OllamaRequest.modelName(Array("nope".utf8), members: ["model"]))
    }
}
