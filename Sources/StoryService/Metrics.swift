import LlamaCore
import Support

/// The service's counters, rendered as Prometheus text for `GET /metrics`.
/// Every update takes one short lock; nothing here allocates per token.
final class Metrics: @unchecked Sendable {
    /// Upper bounds (seconds) of the token latency histogram's buckets: from a
    /// fast host (well under a millisecond a token) to the Duo (tenths of a second).
    static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var requests: [RequestCount] = []
    private var promptTokens = 0
    private var generatedTokens = 0
    private var generationNanoseconds: UInt64 = 0
    private var queueNanoseconds: UInt64 = 0
    private var stops = StopCounts()
    private var latencyCounts = [Int](repeating: 0, count: Metrics.latencyBuckets.count + 1)
    private var latencySumNanoseconds: UInt64 = 0
    private var speech = SpeechCounts()

    private struct RequestCount {
        var route: Route
        var status: Int
        var count: Int
    }

    private struct StopCounts {
        var bos = 0, length = 0, cancelled = 0, failed = 0
    }

    private struct SpeechCounts {
        var requests = 0, sentences = 0, failedSentences = 0, storiesPlayed = 0, playbackFailures = 0
        var synthesisNanoseconds: UInt64 = 0
        /// Seconds of audio made.
        var audioSeconds = 0.0
    }

    /// Counts one answered request.
    func recordRequest(route: Route, status: Int) {
        lock.withLock {
            if let index = requests.firstIndex(where: { $0.route == route && $0.status == status }) {
                requests[index].count += 1
            } else {
                requests.append(RequestCount(route: route, status: status, count: 1))
            }
        }
    }

    /// The time from one generated token to the next (the first from its prompt's end).
    func observeTokenLatency(nanoseconds: UInt64) {
        let seconds = Double(nanoseconds) / 1e9
        let bucket = Metrics.latencyBuckets.firstIndex(where: { seconds <= $0 }) ?? Metrics.latencyBuckets.count
        lock.withLock {
            latencyCounts[bucket] += 1
            latencySumNanoseconds &+= nanoseconds
        }
    }

    /// Counts a job the engine ran.
    func recordGeneration(_ job: GenerationJob) {
        let (outcome, generated, queued, started, finished) = job.lock.withLock {
            (job.outcome, job.tokens.count, job.queueNanoseconds, job.startedAt, job.finishedAt)
        }
        lock.withLock {
            promptTokens += job.promptTokens.count
            generatedTokens += generated
            queueNanoseconds &+= queued
            if finished > started { generationNanoseconds &+= finished - started }
            switch outcome {
            case .completed(let result)?:
                if result.stopReason == .bos { stops.bos += 1 } else { stops.length += 1 }
            case .cancelled?: stops.cancelled += 1
            case .failed?, nil: stops.failed += 1
            }
        }
    }

    /// Counts text-to-speech work: a story's sentences or a `/v1/speak` text.
    /// `request` is false for the synthesis of a story that was then cancelled.
    func recordSpeech(synthesisNanoseconds: UInt64, sentences: Int, failedSentences: Int, samples: Int,
                      sampleRate: Int, request: Bool) {
        lock.withLock {
            if request { speech.requests += 1 }
            speech.sentences += sentences
            speech.failedSentences += failedSentences
            speech.synthesisNanoseconds &+= synthesisNanoseconds
            if sampleRate > 0 { speech.audioSeconds += Double(samples) / Double(sampleRate) }
        }
    }

    /// Counts a spoken story once its playback is over: heard to the end, or not
    /// (no audio device, or it failed).
    func recordPlayback(played: Bool) {
        lock.withLock {
            if played { speech.storiesPlayed += 1 } else { speech.playbackFailures += 1 }
        }
    }

    /// Prometheus text exposition format 0.0.4.
    func render(queueDepth: Int, queueCapacity: Int, busy: Bool, modelLoaded: Bool, speechAvailable: Bool) -> [UInt8] {
        var out = ""
        lock.withLock {
            out += "# HELP babyllama_http_requests_total HTTP requests answered, by route and status.\n"
            out += "# TYPE babyllama_http_requests_total counter\n"
            for entry in requests.sorted(by: { ($0.route.rawValue, $0.status) < ($1.route.rawValue, $1.status) }) {
                out += "babyllama_http_requests_total{route=\"\(entry.route.label)\",status=\"\(entry.status)\"} \(entry.count)\n"
            }
            out += "# HELP babyllama_prompt_tokens_total Prompt tokens fed to the model (BOS included).\n"
            out += "# TYPE babyllama_prompt_tokens_total counter\n"
            out += "babyllama_prompt_tokens_total \(promptTokens)\n"
            out += "# HELP babyllama_generated_tokens_total Tokens generated.\n"
            out += "# TYPE babyllama_generated_tokens_total counter\n"
            out += "babyllama_generated_tokens_total \(generatedTokens)\n"
            out += "# HELP babyllama_generation_seconds_total Seconds the engine spent running generations.\n"
            out += "# TYPE babyllama_generation_seconds_total counter\n"
            out += "babyllama_generation_seconds_total \(seconds(generationNanoseconds))\n"
            out += "# HELP babyllama_queue_wait_seconds_total Seconds generation requests spent waiting for the engine.\n"
            out += "# TYPE babyllama_queue_wait_seconds_total counter\n"
            out += "babyllama_queue_wait_seconds_total \(seconds(queueNanoseconds))\n"
            out += "# HELP babyllama_generations_total Generations run, by how they ended.\n"
            out += "# TYPE babyllama_generations_total counter\n"
            out += "babyllama_generations_total{stop_reason=\"bos\"} \(stops.bos)\n"
            out += "babyllama_generations_total{stop_reason=\"length\"} \(stops.length)\n"
            out += "babyllama_generations_total{stop_reason=\"cancelled\"} \(stops.cancelled)\n"
            out += "babyllama_generations_total{stop_reason=\"failed\"} \(stops.failed)\n"
            out += "# HELP babyllama_token_latency_seconds Time from one generated token to the next.\n"
            out += "# TYPE babyllama_token_latency_seconds histogram\n"
            var cumulative = 0
            for (index, bound) in Metrics.latencyBuckets.enumerated() {
                cumulative += latencyCounts[index]
                let upperBound = FixedDecimal.format(bound, decimals: 4)
                out += "babyllama_token_latency_seconds_bucket{le=\"\(upperBound)\"} \(cumulative)\n"
            }
            cumulative += latencyCounts[Metrics.latencyBuckets.count]
            out += "babyllama_token_latency_seconds_bucket{le=\"+Inf\"} \(cumulative)\n"
            out += "babyllama_token_latency_seconds_sum \(seconds(latencySumNanoseconds))\n"
            out += "babyllama_token_latency_seconds_count \(cumulative)\n"
            out += "# HELP babyllama_tts_requests_total Requests whose speech was synthesized (stories with speak or audio, /v1/speak).\n"
            out += "# TYPE babyllama_tts_requests_total counter\n"
            out += "babyllama_tts_requests_total \(speech.requests)\n"
            out += "# HELP babyllama_tts_sentences_total Sentences synthesized.\n"
            out += "# TYPE babyllama_tts_sentences_total counter\n"
            out += "babyllama_tts_sentences_total \(speech.sentences)\n"
            out += "# HELP babyllama_tts_failed_sentences_total Sentences espeak-ng could not synthesize (skipped).\n"
            out += "# TYPE babyllama_tts_failed_sentences_total counter\n"
            out += "babyllama_tts_failed_sentences_total \(speech.failedSentences)\n"
            out += "# HELP babyllama_tts_seconds_total Seconds spent synthesizing speech (apart from generation and playback).\n"
            out += "# TYPE babyllama_tts_seconds_total counter\n"
            out += "babyllama_tts_seconds_total \(seconds(speech.synthesisNanoseconds))\n"
            out += "# HELP babyllama_tts_audio_seconds_total Seconds of speech synthesized.\n"
            out += "# TYPE babyllama_tts_audio_seconds_total counter\n"
            out += "babyllama_tts_audio_seconds_total \(FixedDecimal.format(speech.audioSeconds, decimals: 6))\n"
            out += "# HELP babyllama_tts_stories_played_total Spoken stories the audio device played to the end.\n"
            out += "# TYPE babyllama_tts_stories_played_total counter\n"
            out += "babyllama_tts_stories_played_total \(speech.storiesPlayed)\n"
            out += "# HELP babyllama_tts_playback_failures_total Spoken stories the audio device did not play (missing or failed).\n"
            out += "# TYPE babyllama_tts_playback_failures_total counter\n"
            out += "babyllama_tts_playback_failures_total \(speech.playbackFailures)\n"
        }
        out += "# HELP babyllama_queue_depth Generation requests waiting for the engine.\n"
        out += "# TYPE babyllama_queue_depth gauge\n"
        out += "babyllama_queue_depth \(queueDepth)\n"
        out += "# HELP babyllama_queue_capacity Requests that may wait before the server answers 503.\n"
        out += "# TYPE babyllama_queue_capacity gauge\n"
        out += "babyllama_queue_capacity \(queueCapacity)\n"
        out += "# HELP babyllama_busy 1 while the engine is running a generation.\n"
        out += "# TYPE babyllama_busy gauge\n"
        out += "babyllama_busy \(busy ? 1 : 0)\n"
        out += "# HELP babyllama_model_loaded 1 once the model is loaded and requests are served.\n"
        out += "# TYPE babyllama_model_loaded gauge\n"
        out += "babyllama_model_loaded \(modelLoaded ? 1 : 0)\n"
        out += "# HELP babyllama_speech_available 1 when speech is enabled and espeak-ng started.\n"
        out += "# TYPE babyllama_speech_available gauge\n"
        out += "babyllama_speech_available \(speechAvailable ? 1 : 0)\n"
        return Array(out.utf8)
    }

    private func seconds(_ nanoseconds: UInt64) -> String {
        FixedDecimal.format(Double(nanoseconds) / 1e9, decimals: 6)
    }
}
