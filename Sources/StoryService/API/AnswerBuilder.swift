import CShim
import LlamaCore
import StorySpeech

/// Writes the JSON of generation answers, whole or as stream events, in the
/// shape of the API the request came through.
struct AnswerBuilder {
    let job: GenerationJob
    /// Monotonic time the request arrived.
    let arrivedAt: UInt64
    /// The OpenAI answers' `model`.
    let modelName: String
    /// The OpenAI answers' `id` ("cmpl-" and random hex) and `created` (Unix time).
    let completionID: String
    let created: Int

    /// What the job's lock-guarded state held when the answer was written.
    struct Snapshot {
        var tokens: [Int]
        var text: [UInt8]
        var tail: [UInt8]
        var result: GenerationResult
        var queueNanoseconds: UInt64
        var finishedAt: UInt64
        /// The story's speech, once synthesized (speak / audio requests).
        var speech: SpeechSummary? = nil
        /// The audio format asked for.
        var audioFormat: AudioFormat? = nil
    }

    /// `{"prompt_ms", "generate_ms", "total_ms", "tokens_per_s", "queue_ms", "tts_ms"}`.
    func timing(_ snapshot: Snapshot) -> JSON {
        let result = snapshot.result
        let total = snapshot.finishedAt > arrivedAt ? snapshot.finishedAt - arrivedAt : 0
        var rate = 0.0
        if result.generateNanoseconds > 0 && !snapshot.tokens.isEmpty {
            rate = Double(snapshot.tokens.count) / (Double(result.generateNanoseconds) / 1e9)
            rate = (rate * 100).rounded() / 100
        }
        return JSON.object()
            .set("prompt_ms", .real(milliseconds(result.promptNanoseconds)))
            .set("generate_ms", .real(milliseconds(result.generateNanoseconds)))
            .set("total_ms", .real(milliseconds(total)))
            .set("tokens_per_s", .real(rate))
            .set("queue_ms", .real(milliseconds(snapshot.queueNanoseconds)))
            .set("tts_ms", .real(milliseconds(snapshot.speech?.synthesisNanoseconds ?? 0)))
    }

    /// Adds `"audio": {"format": "wav", "sample_rate": N, "data": base64}` when the request asked for it.
    private func addAudio(_ snapshot: Snapshot, to answer: JSON) -> JSON {
        guard let format = snapshot.audioFormat, let audio = snapshot.speech?.audio else { return answer }
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
    func native(_ snapshot: Snapshot) -> JSON {
        addAudio(snapshot, to: JSON.object()
            .set("text", .string(bytes: snapshot.text))
            .set("tokens", .integers(snapshot.tokens))
            .set("prompt_tokens", .integer(snapshot.result.promptTokenCount))
            .set("completion_tokens", .integer(snapshot.tokens.count))
            .set("stop_reason", .string(snapshot.result.stopReason.name))
            .set("seed", seed)
            .set("timing", timing(snapshot)))
    }

    /// `POST /v1/completions`' answer (OpenAI's `text_completion`).
    func completion(_ snapshot: Snapshot) -> JSON {
        addAudio(snapshot, to: completionObject(text: snapshot.text, finishReason: finishReason(snapshot.result.stopReason))
            .set("usage", usage(snapshot))
            .set("seed", seed)
            .set("timing", timing(snapshot)))
    }

    /// One token of a `/v1/generate` stream.
    func nativeTokenEvent(token: Int, index: Int, text: [UInt8]) -> JSON {
        JSON.object()
            .set("token", .integer(token))
            .set("index", .integer(index))
            .set("text", .string(bytes: text))
    }

    /// The last event of a `/v1/generate` stream: the whole answer, marked done.
    func nativeFinalEvent(_ snapshot: Snapshot) -> JSON {
        native(snapshot).set("done", .bool(true))
    }

    /// One token of a `/v1/completions` stream.
    func completionChunk(text: [UInt8]) -> JSON {
        completionObject(text: text, finishReason: nil)
    }

    /// The last chunk of a `/v1/completions` stream: any text held back, the finish reason, usage and timing.
    func completionFinalChunk(_ snapshot: Snapshot) -> JSON {
        addAudio(snapshot, to: completionObject(text: snapshot.tail, finishReason: finishReason(snapshot.result.stopReason))
            .set("usage", usage(snapshot))
            .set("seed", seed)
            .set("timing", timing(snapshot)))
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

    private func usage(_ snapshot: Snapshot) -> JSON {
        JSON.object()
            .set("prompt_tokens", .integer(snapshot.result.promptTokenCount))
            .set("completion_tokens", .integer(snapshot.tokens.count))
            .set("total_tokens", .integer(snapshot.result.promptTokenCount + snapshot.tokens.count))
    }

    /// OpenAI's names: the model chose to stop ("stop") or ran out of tokens ("length").
    private func finishReason(_ reason: StopReason) -> String {
        reason == .bos ? "stop" : "length"
    }

    /// Takes a snapshot of a finished job (call with its outcome `.completed`). A story
    /// with speech is first synthesized to the end (`speech.complete`); `total_ms` then
    /// runs until its last sentence has been synthesized.
    static func snapshot(of job: GenerationJob, result: GenerationResult, speech: SpeechService?) -> Snapshot {
        var snapshot = job.lock.withLock {
            Snapshot(tokens: job.tokens, text: job.text, tail: job.tail, result: result,
                     queueNanoseconds: job.queueNanoseconds, finishedAt: job.finishedAt)
        }
        if let narration = job.narration, let speech {
            snapshot.speech = speech.complete(narration)
            snapshot.audioFormat = job.request.audio
            snapshot.finishedAt = max(snapshot.finishedAt, shim_monotonic_ns())
        }
        return snapshot
    }
}
