import CShim
import LlamaCore
import StorySpeech

/// Writes the JSON of generation answers, whole or as stream events, in the
/// shape of the API the request came through. The final answers read the job once
/// `GenerationJob.wait` has returned it completed: what it holds no longer changes.
struct AnswerBuilder {
    let job: GenerationJob
    /// Monotonic time the request arrived.
    let arrivedAt: UInt64
    /// The OpenAI answers' `model`.
    let modelName: String
    /// The OpenAI answers' `id` ("cmpl-" and random hex) and `created` (Unix time).
    let completionID = AnswerBuilder.newCompletionID()
    let created = Int(shim_unix_time())

    /// `{"prompt_ms", "generate_ms", "total_ms", "tokens_per_s", "queue_ms", "tts_ms"}`.
    func timing(_ result: GenerationResult) -> JSON {
        // With speech the answer waited for the last sentence's synthesis; `total_ms` does too.
        let finishedAt = max(job.finishedAt, job.speechFinishedAt)
        let total = finishedAt > arrivedAt ? finishedAt - arrivedAt : 0
        var rate = 0.0
        if result.generateNanoseconds > 0 && !job.tokens.isEmpty {
            rate = Double(job.tokens.count) / (Double(result.generateNanoseconds) / 1e9)
            rate = (rate * 100).rounded() / 100
        }
        let queued = job.lock.withLock { job.queueNanoseconds }
        return JSON.object()
            .set("prompt_ms", .real(milliseconds(result.promptNanoseconds)))
            .set("generate_ms", .real(milliseconds(result.generateNanoseconds)))
            .set("total_ms", .real(milliseconds(total)))
            .set("tokens_per_s", .real(rate))
            .set("queue_ms", .real(milliseconds(queued)))
            .set("tts_ms", .real(milliseconds(job.speechSummary?.synthesisNanoseconds ?? 0)))
    }

    /// Adds `"audio": {"format": "wav", "sample_rate": N, "data": base64}` when the request asked for it.
    private func addAudio(to answer: JSON) -> JSON {
        guard let format = job.request.audio, let audio = job.speechSummary?.audio else { return answer }
        let data: JSON
        switch format {
        case .wav: data = .string(ascii: Base64.encodedBytes(audio.wavBytes()))
        }
        return answer.set("audio", JSON.object()
            .set("format", .string(format.name))
            .set("sample_rate", .integer(audio.sampleRate))
            .set("data", data))
    }

    private var seed: JSON { .integer(Int(truncatingIfNeeded: job.seed)) }

    /// `POST /v1/generate`'s answer.
    func native(_ result: GenerationResult) -> JSON {
        addAudio(to: JSON.object()
            .set("text", .string(bytes: job.text))
            .set("tokens", .integers(job.tokens))
            .set("prompt_tokens", .integer(result.promptTokenCount))
            .set("completion_tokens", .integer(job.tokens.count))
            .set("stop_reason", .string(result.stopReason.name))
            .set("seed", seed)
            .set("timing", timing(result)))
    }

    /// `POST /v1/completions`' answer (OpenAI's `text_completion`).
    func completion(_ result: GenerationResult) -> JSON {
        completionEnd(result, text: job.text)
    }

    /// One token of a `/v1/generate` stream.
    func nativeTokenEvent(token: Int, index: Int, text: [UInt8]) -> JSON {
        JSON.object()
            .set("token", .integer(token))
            .set("index", .integer(index))
            .set("text", .string(bytes: text))
    }

    /// The last event of a `/v1/generate` stream: the whole answer, marked done.
    func nativeFinalEvent(_ result: GenerationResult) -> JSON {
        native(result).set("done", .bool(true))
    }

    /// One token of a `/v1/completions` stream.
    func completionChunk(text: [UInt8]) -> JSON {
        completionObject(text: text, finishReason: nil)
    }

    /// The last chunk of a `/v1/completions` stream: any text held back, the finish reason, usage and timing.
    func completionFinalChunk(_ result: GenerationResult) -> JSON {
        completionEnd(result, text: job.tail)
    }

    /// A completion's answer, or a stream's last chunk, carrying `text`.
    private func completionEnd(_ result: GenerationResult, text: [UInt8]) -> JSON {
        addAudio(to: completionObject(text: text, finishReason: finishReason(result.stopReason))
            .set("usage", usage(result))
            .set("seed", seed)
            .set("timing", timing(result)))
    }

    private func completionObject(text: [UInt8], finishReason: String?) -> JSON {
        let choice = JSON.object()
            .set("text", .string(bytes: text))
            .set("index", .integer(0))
            .set("logprobs", .null())
            .set("finish_reason", finishReason.map { JSON.string($0) } ?? .null())
        let choices = JSON.array()
        choices.append(choice)
        return JSON.object()
            .set("id", .string(completionID))
            .set("object", .string("text_completion"))
            .set("created", .integer(created))
            .set("model", .string(modelName))
            .set("choices", choices)
    }

    private func usage(_ result: GenerationResult) -> JSON {
        JSON.object()
            .set("prompt_tokens", .integer(result.promptTokenCount))
            .set("completion_tokens", .integer(job.tokens.count))
            .set("total_tokens", .integer(result.promptTokenCount + job.tokens.count))
    }

    /// OpenAI's names: the model chose to stop ("stop") or ran out of tokens ("length").
    private func finishReason(_ reason: StopReason) -> String {
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
