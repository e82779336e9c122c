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
    private var latency = Histogram(bounds: Metrics.latencyBuckets, labelDecimals: 4, sumDecimals: 6)
    private var speech = SpeechCounts()
    private var listening = ListeningCounts()
    private var batch: BatchCounts

    /// Counters for a batch of up to `batchCapacity` stories at once.
    init(batchCapacity: Int) {
        batch = BatchCounts(capacity: batchCapacity)
    }

    private struct RequestCount {
        var route: Route
        var status: Int
        var count: Int
    }

    private struct StopCounts {
        var bos = 0, length = 0, cancelled = 0, failed = 0
    }

    /// The batch: stories joining and leaving it, and its steps.
    private struct BatchCounts {
        let capacity: Int
        var joined = 0
        var left = StopCounts()
        /// Sequences in each step: buckets 1, 2, ... capacity.
        var occupancy: Histogram
        var stepSeconds = Histogram(bounds: Metrics.latencyBuckets, labelDecimals: 4, sumDecimals: 6)

        init(capacity: Int) {
            self.capacity = capacity
            occupancy = Histogram(bounds: (1...capacity).map { Double($0) }, labelDecimals: 0, sumDecimals: 0)
        }
    }

    private struct SpeechCounts {
        var requests = 0, sentences = 0, failedSentences = 0, storiesPlayed = 0, playbackFailures = 0
        var synthesisNanoseconds: UInt64 = 0
        /// Seconds of audio made.
        var audioSeconds = 0.0
    }

    /// Speech recognition: requests heard, by outcome, and the time it took.
    private struct ListeningCounts {
        var understood = 0, notUnderstood = 0, failed = 0
        var recognitionNanoseconds: UInt64 = 0
        var audioSeconds = 0.0
    }

    /// One request heard (`/v1/listen` or `"prompt_audio"`).
    func recordRecognition(understood: Bool, milliseconds: Double, audioSeconds: Double) {
        lock.withLock {
            if understood { listening.understood += 1 } else { listening.notUnderstood += 1 }
            listening.recognitionNanoseconds += UInt64(max(0, milliseconds) * 1e6)
            listening.audioSeconds += audioSeconds
        }
    }

    /// A request whose audio could not be heard (bad WAV, decoder failure).
    func recordRecognitionFailure() {
        lock.withLock { listening.failed += 1 }
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
        lock.withLock { latency.observe(Double(nanoseconds) / 1e9) }
    }

    /// A story joined the batch.
    func recordBatchJoin() {
        lock.withLock { batch.joined += 1 }
    }

    /// A story left the batch, ending for `reason`.
    func recordBatchLeave(_ reason: StopReason) {
        lock.withLock {
            switch reason {
            case .bos: batch.left.bos += 1
            case .length: batch.left.length += 1
            case .cancelled: batch.left.cancelled += 1
            }
        }
    }

    /// One step of the batch: `sequences` stories advanced together in `nanoseconds`.
    func recordBatchStep(sequences: Int, nanoseconds: UInt64) {
        lock.withLock {
            batch.occupancy.observe(Double(sequences))
            batch.stepSeconds.observe(Double(nanoseconds) / 1e9)
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
    /// `batchSequences`: stories in the batch now; `queueDepth`: requests waiting beyond it.
    func render(queueDepth: Int, queueCapacity: Int, batchSequences: Int, modelLoaded: Bool, speechAvailable: Bool,
                listeningAvailable: Bool = false) -> [UInt8] {
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
            out += "# HELP babyllama_generation_seconds_total Seconds generations ran, summed (stories batched together overlap).\n"
            out += "# TYPE babyllama_generation_seconds_total counter\n"
            out += "babyllama_generation_seconds_total \(seconds(generationNanoseconds))\n"
            out += "# HELP babyllama_queue_wait_seconds_total Seconds generation requests spent waiting for room in the batch.\n"
            out += "# TYPE babyllama_queue_wait_seconds_total counter\n"
            out += "babyllama_queue_wait_seconds_total \(seconds(queueNanoseconds))\n"
            out += "# HELP babyllama_generations_total Generations run, by how they ended.\n"
            out += "# TYPE babyllama_generations_total counter\n"
            out += "babyllama_generations_total{stop_reason=\"bos\"} \(stops.bos)\n"
            out += "babyllama_generations_total{stop_reason=\"length\"} \(stops.length)\n"
            out += "babyllama_generations_total{stop_reason=\"cancelled\"} \(stops.cancelled)\n"
            out += "babyllama_generations_total{stop_reason=\"failed\"} \(stops.failed)\n"
            latency.render(name: "babyllama_token_latency_seconds", help: "Time from one generated token to the next.",
                           into: &out)
            out += "# HELP babyllama_batch_joined_total Stories that joined the batch.\n"
            out += "# TYPE babyllama_batch_joined_total counter\n"
            out += "babyllama_batch_joined_total \(batch.joined)\n"
            out += "# HELP babyllama_batch_left_total Stories that left the batch, by how they ended.\n"
            out += "# TYPE babyllama_batch_left_total counter\n"
            out += "babyllama_batch_left_total{stop_reason=\"bos\"} \(batch.left.bos)\n"
            out += "babyllama_batch_left_total{stop_reason=\"length\"} \(batch.left.length)\n"
            out += "babyllama_batch_left_total{stop_reason=\"cancelled\"} \(batch.left.cancelled)\n"
            batch.occupancy.render(name: "babyllama_batch_occupancy", help: "Stories advanced together in one step of the batch.",
                                   into: &out)
            batch.stepSeconds.render(name: "babyllama_batch_step_seconds",
                                     help: "Time of one step of the batch (one forward pass for all its stories).", into: &out)
            out += "# HELP babyllama_batch_capacity Stories the batch runs at once, at most (limits.max_batch).\n"
            out += "# TYPE babyllama_batch_capacity gauge\n"
            out += "babyllama_batch_capacity \(batch.capacity)\n"
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
            out += "# HELP babyllama_stt_requests_total Spoken requests heard (/v1/listen, prompt_audio), by outcome.\n"
            out += "# TYPE babyllama_stt_requests_total counter\n"
            out += "babyllama_stt_requests_total{result=\"understood\"} \(listening.understood)\n"
            out += "babyllama_stt_requests_total{result=\"not_understood\"} \(listening.notUnderstood)\n"
            out += "babyllama_stt_requests_total{result=\"failed\"} \(listening.failed)\n"
            out += "# HELP babyllama_stt_seconds_total Seconds spent recognizing speech (apart from generation).\n"
            out += "# TYPE babyllama_stt_seconds_total counter\n"
            out += "babyllama_stt_seconds_total \(seconds(listening.recognitionNanoseconds))\n"
            out += "# HELP babyllama_stt_audio_seconds_total Seconds of speech heard.\n"
            out += "# TYPE babyllama_stt_audio_seconds_total counter\n"
            out += "babyllama_stt_audio_seconds_total \(FixedDecimal.format(listening.audioSeconds, decimals: 6))\n"
        }
        out += "# HELP babyllama_batch_sequences Stories in the batch now.\n"
        out += "# TYPE babyllama_batch_sequences gauge\n"
        out += "babyllama_batch_sequences \(batchSequences)\n"
        out += "# HELP babyllama_queue_depth Generation requests waiting for room in the batch.\n"
        out += "# TYPE babyllama_queue_depth gauge\n"
        out += "babyllama_queue_depth \(queueDepth)\n"
        out += "# HELP babyllama_queue_capacity Requests that may wait before the server answers 503.\n"
        out += "# TYPE babyllama_queue_capacity gauge\n"
        out += "babyllama_queue_capacity \(queueCapacity)\n"
        out += "# HELP babyllama_busy 1 while the engine is running a generation.\n"
        out += "# TYPE babyllama_busy gauge\n"
        out += "babyllama_busy \(batchSequences > 0 ? 1 : 0)\n"
        out += "# HELP babyllama_model_loaded 1 once the model is loaded and requests are served.\n"
        out += "# TYPE babyllama_model_loaded gauge\n"
        out += "babyllama_model_loaded \(modelLoaded ? 1 : 0)\n"
        out += "# HELP babyllama_speech_available 1 when speech is enabled and espeak-ng started.\n"
        out += "# TYPE babyllama_speech_available gauge\n"
        out += "babyllama_speech_available \(speechAvailable ? 1 : 0)\n"
        out += "# HELP babyllama_listening_available 1 when listening is enabled and pocketsphinx loaded.\n"
        out += "# TYPE babyllama_listening_available gauge\n"
        out += "babyllama_listening_available \(listeningAvailable ? 1 : 0)\n"
        return Array(out.utf8)
    }

    private func seconds(_ nanoseconds: UInt64) -> String {
        FixedDecimal.format(Double(nanoseconds) / 1e9, decimals: 6)
    }
}
