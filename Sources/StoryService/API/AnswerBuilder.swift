import CPosix
import LlamaCore
import StoryListening
import StorySpeech
import Support

/// Writes the JSON of generation answers, whole or as stream events, in the
/// shape of the API the request came through. The final answers read the job once
/// `GenerationJob.wait` has returned it completed: what it holds no longer changes.
struct AnswerBuilder {
    let job: GenerationJob
    /// Monotonic time the request arrived.
    let arrivedAt: UInt64
    /// The OpenAI and Ollama answers' `model`.
    let modelName: String
    /// The OpenAI answers' `id` ("cmpl-" and random hex) and `created` (Unix time).
    let completionID = AnswerBuilder.newCompletionID()
    let created = Int(shim_unix_time())
    /// What `"prompt_audio"` was heard as, when the prompt was spoken.
    var heard: Recognition? = nil

    /// `{"prompt_ms", "generate_ms", "total_ms", "tokens_per_s", "queue_ms", "tts_ms", "stt_ms"}`.
    func timing(_ result: GenerationResult) -> JSONValue {
        let total = totalNanoseconds
        var rate = 0.0
        if result.generateNanoseconds > 0 && !job.tokens.isEmpty {
            rate = Double(job.tokens.count) / (Double(result.generateNanoseconds) / 1e9)
            rate = (rate * 100).rounded() / 100
        }
        let queued = job.lock.withLock { job.queueNanoseconds }
        return .object([
            ("prompt_ms", .double(milliseconds(result.promptNanoseconds))),
            ("generate_ms", .double(milliseconds(result.generateNanoseconds))),
            ("total_ms", .double(milliseconds(total))),
            ("tokens_per_s", .double(rate)),
            ("queue_ms", .double(milliseconds(queued))),
            ("tts_ms", .double(milliseconds(job.speechSummary?.synthesisNanoseconds ?? 0))),
            ("stt_ms", .double(heard?.sttMilliseconds ?? 0)),
        ])
    }

    /// From the request's arrival to its end. With speech the answer waited for the last
    /// sentence's synthesis; this does too.
    var totalNanoseconds: UInt64 {
        let finishedAt = max(job.finishedAt, job.speechFinishedAt)
        return finishedAt > arrivedAt ? finishedAt - arrivedAt : 0
    }

    /// `"audio": {"format": "wav", "sample_rate": N, "data": base64}` when the request asked for it.
    private var audioMembers: [(String, JSONValue)] {
        guard let format = job.request.audio, let audio = job.speechSummary?.audio else { return [] }
        let data: [UInt8]
        switch format {
        case .wav: data = Base64.encodedBytes(audio.wavBytes())
        }
        return [("audio", .object([("format", .string(format.name)), ("sample_rate", .int(audio.sampleRate)),
                                   ("data", .bytes(data))]))]
    }

    /// `"heard": {text, understood, confidence, request, ...}` when the prompt was spoken.
    private var heardMembers: [(String, JSONValue)] {
        guard let heard else { return [] }
        return [("heard", heard.json)]
    }

    private var seed: JSONValue { .int(Int(truncatingIfNeeded: job.seed)) }

    /// The whole answer of a plain (not streamed) request, in its API's shape.
    func answer(_ result: GenerationResult) -> JSONValue {
        switch job.dialect {
        case .native: return native(result)
        case .openAICompletions: return completion(result)
        case .ollamaGenerate, .ollamaChat: return ollamaFinal(result, text: job.text)
        }
    }

    /// One token of a stream, in its API's shape.
    func tokenEvent(token: Int, index: Int, text: [UInt8]) -> JSONValue {
        switch job.dialect {
        case .native: return nativeTokenEvent(token: token, index: index, text: text)
        case .openAICompletions: return completionChunk(text: text)
        case .ollamaGenerate, .ollamaChat: return ollamaChunk(text: text)
        }
    }

    /// The last event of a stream (any text held back, the timing), in its API's shape.
    func finalEvent(_ result: GenerationResult) -> JSONValue {
        switch job.dialect {
        case .native: return nativeFinalEvent(result)
        case .openAICompletions: return completionFinalChunk(result)
        case .ollamaGenerate, .ollamaChat: return ollamaFinal(result, text: job.tail)
        }
    }

    /// `POST /v1/generate`'s answer.
    private func native(_ result: GenerationResult) -> JSONValue {
        .object(nativeMembers(result))
    }

    private func nativeMembers(_ result: GenerationResult) -> [(String, JSONValue)] {
        [
            ("text", .bytes(job.text)),
            ("tokens", .array(job.tokens.map { .int($0) })),
            ("prompt_tokens", .int(result.promptTokenCount)),
            ("completion_tokens", .int(job.tokens.count)),
            ("stop_reason", .string(result.stopReason.name)),
            ("seed", seed),
            ("timing", timing(result)),
        ] + audioMembers + heardMembers
    }

    /// `POST /v1/completions`' answer (OpenAI's `text_completion`).
    private func completion(_ result: GenerationResult) -> JSONValue {
        completionEnd(result, text: job.text)
    }

    /// One token of a `/v1/generate` stream.
    private func nativeTokenEvent(token: Int, index: Int, text: [UInt8]) -> JSONValue {
        .object([("token", .int(token)), ("index", .int(index)), ("text", .bytes(text))])
    }

    /// The last event of a `/v1/generate` stream: the whole answer, marked done.
    private func nativeFinalEvent(_ result: GenerationResult) -> JSONValue {
        .object(nativeMembers(result) + [("done", .bool(true))])
    }

    /// One token of a `/v1/completions` stream.
    private func completionChunk(text: [UInt8]) -> JSONValue {
        .object(completionMembers(text: text, finishReason: nil))
    }

    /// The last chunk of a `/v1/completions` stream: any text held back, the finish reason, usage and timing.
    private func completionFinalChunk(_ result: GenerationResult) -> JSONValue {
        completionEnd(result, text: job.tail)
    }

    /// A completion's answer, or a stream's last chunk, carrying `text`.
    private func completionEnd(_ result: GenerationResult, text: [UInt8]) -> JSONValue {
        .object(completionMembers(text: text, finishReason: finishReason(result.stopReason))
            + [("usage", usage(result)), ("seed", seed), ("timing", timing(result))] + audioMembers
            + heardMembers)
    }

    private func completionMembers(text: [UInt8], finishReason: String?) -> [(String, JSONValue)] {
        let choice = JSONValue.object([
            ("text", .bytes(text)),
            ("index", .int(0)),
            ("logprobs", .null),
            ("finish_reason", finishReason.map { .string($0) } ?? .null),
        ])
        return [
            ("id", .string(completionID)),
            ("object", .string("text_completion")),
            ("created", .int(created)),
            ("model", .string(modelName)),
            ("choices", .array([choice])),
        ]
    }

    private func usage(_ result: GenerationResult) -> JSONValue {
        .object([
            ("prompt_tokens", .int(result.promptTokenCount)),
            ("completion_tokens", .int(job.tokens.count)),
            ("total_tokens", .int(result.promptTokenCount + job.tokens.count)),
        ])
    }

    /// OpenAI's (and Ollama's) names: the model chose to stop ("stop") or ran out of tokens ("length").
    func finishReason(_ reason: StopReason) -> String {
        reason == .bos ? "stop" : "length"
    }

    /// "cmpl-" and 24 random hex digits.
    private static func newCompletionID() -> String {
        var bytes = [UInt8](repeating: 0, count: 12)
        if bytes.withUnsafeMutableBytes({ shim_random_bytes($0.baseAddress, $0.count) }) != 0 {
            var state = shim_monotonic_ns()
            for index in 0..<bytes.count {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                bytes[index] = UInt8(truncatingIfNeeded: state >> 56)
            }
        }
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = Array("cmpl-".utf8)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
