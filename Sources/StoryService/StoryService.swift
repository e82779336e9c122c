import CPosix
import LlamaCore
import StoryListening
import Support

/// The story HTTP API: routes, the engine behind its bounded queue, health,
/// model information and metrics. Start it, load the model, and shut it down
/// when a termination signal arrives:
///
///     let service = StoryService(config: config)
///     try service.start()          // listening; health answers 503 until...
///     try service.loadModel()      // ...the model is loaded
///     _ = TerminationSignals.wait()
///     service.shutdown()
public final class StoryService: @unchecked Sendable {
    public let config: ServiceConfig
    let metrics: Metrics
    /// After the engine stops, how long answers in flight may take to reach their clients.
    static let drainMilliseconds = 5_000

    private enum Phase { case starting, ready, stopping }

    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var phase = Phase.starting
    private var engine: StoryEngine?
    private var queue: GenerationQueue?
    private var server: HTTPServer?
    private var speech: SpeechService?
    private var listening: ListenService?
    /// The loaded model as Ollama's API names and describes it.
    private var ollamaModel: OllamaModel?

    /// Unix time the service was created (the model list's `created`).
    private let startedAt = Int(shim_unix_time())

    public init(config: ServiceConfig) {
        self.config = config
        metrics = Metrics(batchCapacity: config.maxBatch)
    }

    /// `babyllama serve` (host and Duo): validates `config`, starts a service, loads
    /// its model and serves until SIGINT or SIGTERM, then finishes the work in flight
    /// and returns. Call `TerminationSignals.block()` first, before any thread starts,
    /// so the signals reach only this wait.
    public static func serveUntilSignalled(config: ServiceConfig) throws(ServiceError) {
        try config.validate()
        let service = StoryService(config: config)
        try service.start()
        do {
            try service.loadModel()
        } catch {
            service.shutdown()
            throw error
        }
        let signal = TerminationSignals.wait()
        Log.line("babyllama: \(signal) received: finishing in-flight work and stopping")
        service.shutdown()
        Log.line("babyllama: stopped")
    }

    /// The port the service listens on (after `start`).
    public var port: Int { lock.withLock { server?.port ?? 0 } }

    /// Starts speech (espeak-ng, when the configuration turns it on: before any other
    /// thread, as it sets the locale), then listens. Until `loadModel` finishes, health
    /// checks answer 503.
    public func start() throws(ServiceError) {
        try requireJansson()
        try config.validate()
        let speech = SpeechService(config: config, metrics: metrics)
        try speech.start()
        // The decoder loads now (~10 MB, a second on the Duo), so a broken grammar shows in the log at once.
        let listening = ListenService(config: config, metrics: metrics)
        lock.withLock {
            self.speech = speech
            self.listening = listening
        }
        let server = HTTPServer(
            bodyLimits: BodyLimits(config: config), policy: config.access,
            handler: { [self] request in handle(request) },
            completion: { [self] request, clientLeft in completed(request, clientLeft: clientLeft) })
        do {
            try server.start(config: config)
        } catch {
            speech.shutdown()
            throw error
        }
        lock.withLock { self.server = server }
        Log.line("babyllama: listening on http://\(hostForURL):\(server.port)")
    }

    /// Loads the model and starts the engine; from then on generation requests are served.
    public func loadModel() throws(ServiceError) {
        let start = shim_monotonic_ns()
        let engine: StoryEngine
        do {
            engine = try StoryEngine(checkpointPath: config.checkpointPath, tokenizerPath: config.tokenizerPath,
                                     threads: config.effectiveThreads, maxBatch: config.maxBatch)
        } catch {
            throw .model(error)
        }
        let queue = GenerationQueue(engine: engine, capacity: config.queueSize, maxBatch: config.maxBatch,
                                    retryAfterSeconds: config.retryAfterSeconds, metrics: metrics)
        try queue.start()
        let stopping: Bool = lock.withLock {
            if phase == .stopping { return true }
            self.engine = engine
            self.queue = queue
            ollamaModel = OllamaModel(checkpoint: engine.checkpoint, sha256: engine.sha256)
            phase = .ready
            return false
        }
        if stopping {
            queue.shutdown(graceMilliseconds: 0)
            return
        }
        let shape = engine.config
        // What a batch can cost: each story's cache is allocated as it joins, sized for its
        // tokens, so this is the most, not what is reserved.
        let cacheMiB = FixedDecimal.format(Double(queue.storyCacheBytes) / Double(1 << 20), decimals: 1)
        Log.line("babyllama: batch: up to \(config.maxBatch) \(config.maxBatch == 1 ? "story" : "stories") at once; "
                 + "a story's key/value cache takes at most \(cacheMiB) MiB (\(shape.seqLen) positions)")
        let loadMilliseconds = FixedDecimal.format(milliseconds(shim_monotonic_ns() - start), decimals: 1)
        Log.line("babyllama: model \(engine.checkpoint.path) (\(engine.checkpoint.format.name), dim \(shape.dim), "
                 + "\(shape.layerCount) layers, vocab \(shape.vocabSize), context \(shape.seqLen), "
                 + "sha256 \(engine.sha256)) loaded in \(loadMilliseconds) ms; "
                 + "\(engine.threadCount) threads, batch \(config.maxBatch), queue \(config.queueSize)")
    }

    /// Stops accepting connections, answers waiting requests 503, lets the stories in
    /// the batch finish within the grace period (then cancels them), closes every
    /// connection and stops the engine. Safe to call more than once.
    public func shutdown() {
        let (server, queue, speech): (HTTPServer?, GenerationQueue?, SpeechService?) = lock.withLock {
            if phase == .stopping && self.server == nil { return (nil, nil, nil) }
            phase = .stopping
            return (self.server, self.queue, self.speech)
        }
        server?.stopListening()
        queue?.shutdown(graceMilliseconds: config.shutdownGraceSeconds * 1_000)
        // Let answers already made reach their clients (a stream's last events) before the
        // connections close; a client that stopped reading is not waited for long.
        if server?.waitUntilIdle(milliseconds: StoryService.drainMilliseconds) == false {
            Log.line("babyllama: closing connections with answers still unsent")
        }
        server?.stop()
        // Stories still being read aloud stop now.
        speech?.shutdown()
        lock.withLock {
            self.server = nil
            self.queue = nil
            self.speech = nil
            self.listening = nil
        }
    }

    private var hostForURL: String {
        config.host.utf8.contains(UInt8(ascii: ":")) ? "[\(config.host)]" : config.host
    }

    // MARK: Routing

    /// Answers one request (on its connection's thread).
    func handle(_ request: RequestContext) -> HTTPAnswer {
        let route = request.route
        if route == .unknown {
            return .error(.notFound(path: request.pathForLog))
        }
        if !route.allows(request.method) {
            return .error(.methodNotAllowed(method: String(decoding: request.method.prefix(20).map {
                $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: "?") }, as: UTF8.self),
                path: route.label, allowed: route.method),
                headers: [("Allow", route.allowHeader)])
        }
        switch route {
        case .healthz, .health: return health()
        case .model:
            guard let engine = lock.withLock({ engine }) else { return .error(notReady) }
            return .json(200, engine.describe())
        case .models:
            // OpenAI's model list, which many clients fetch before anything else.
            guard let engine = lock.withLock({ engine }) else { return .error(notReady) }
            let entry = JSONValue.object([("id", .string(engine.modelName)), ("object", .string("model")),
                                          ("created", .int(startedAt)), ("owned_by", .string("babyllama"))])
            return .json(200, .object([("object", .string("list")), ("data", .array([entry]))]))
        case .metrics:
            let (queue, loaded, speech, listening) = lock.withLock { (self.queue, phase == .ready, self.speech, self.listening) }
            let snapshot = queue?.snapshot ?? (waiting: 0, running: 0)
            let body = metrics.render(queueDepth: snapshot.waiting, queueCapacity: config.queueSize,
                                      batchSequences: snapshot.running, modelLoaded: loaded,
                                      speechAvailable: speech?.isAvailable ?? false,
                                      listeningAvailable: listening?.isAvailable ?? false)
            return .body(HTTPBody(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", bytes: body))
        case .speak:
            guard let speech = lock.withLock({ self.speech }) else { return .error(notReady) }
            return speech.speak(request)
        case .listen:
            guard let listening = lock.withLock({ self.listening }) else { return .error(notReady) }
            return listening.listen(request)
        case .generate: return generate(request, dialect: .native)
        case .completions: return generate(request, dialect: .openAICompletions)
        case .ollamaGenerate: return generate(request, dialect: .ollamaGenerate)
        case .ollamaChat: return generate(request, dialect: .ollamaChat)
        case .ollamaTags:
            guard let model = lock.withLock({ ollamaModel }) else { return .error(notReady) }
            return .json(200, model.tags)
        case .ollamaShow: return ollamaShow(request)
        case .ollamaVersion: return .json(200, OllamaModel.version)
        case .unknown: return .error(.notFound(path: request.pathForLog))
        }
    }

    /// `POST /api/show` `{"model": name}` (older clients send `"name"`).
    private func ollamaShow(_ request: RequestContext) -> HTTPAnswer {
        let requested: String
        do {
            requested = try OllamaRequest.modelName(request.body, members: ["model", "name"])
        } catch {
            return .error(error)
        }
        if requested.isEmpty { return .error(.invalid("'model' is required", param: "model")) }
        guard let model = lock.withLock({ ollamaModel }) else { return .error(notReady) }
        guard model.matches(requested) else { return .error(OllamaModel.notFound(requested)) }
        return .json(200, model.show)
    }

    /// An Ollama body checked against the loaded model: the generation (nil for a request
    /// without a prompt) and the `model` its answers name (the one asked for, or the model's).
    private func ollamaGeneration(_ body: [UInt8], dialect: APIDialect) throws(APIError) -> (GenerationRequest?, String) {
        let ollama = try OllamaRequest.parse(body, endpoint: dialect.ollamaEndpoint)
        guard let model = lock.withLock({ ollamaModel }) else { throw notReady }
        guard model.matches(ollama.model) else { throw OllamaModel.notFound(ollama.model) }
        let name = ollama.model.isEmpty ? model.name : ollama.model
        guard var generation = ollama.generation else { return (nil, name) }
        // Ollama stops at the end of the context rather than refusing a larger num_predict.
        if let tokens = generation.maxTokens { generation.maxTokens = min(tokens, model.config.seqLen) }
        return (generation, name)
    }

    private var notReady: APIError {
        let stopping = lock.withLock { phase == .stopping }
        return stopping ? .shuttingDown : .unavailable("the model is loading", retryAfterSeconds: config.retryAfterSeconds)
    }

    private func health() -> HTTPAnswer {
        let phase = lock.withLock { self.phase }
        switch phase {
        case .ready: return .json(200, .object([("status", .string("ok"))]))
        case .starting, .stopping:
            let error = notReady
            var headers: [(String, String)] = []
            if let seconds = error.retryAfterSeconds { headers.append(("Retry-After", "\(seconds)")) }
            return .json(503, .object([("status", .string(phase == .starting ? "loading" : "stopping")),
                                       ("error", error.errorObject())]), headers: headers)
        }
    }

    private func generate(_ request: RequestContext, dialect: APIDialect) -> HTTPAnswer {
        var parsed: GenerationRequest
        var answerModel: String?
        do {
            if dialect.isOllama {
                let (generation, name) = try ollamaGeneration(request.body, dialect: dialect)
                guard let generation else {
                    return .json(200, OllamaAnswer.loaded(dialect.ollamaEndpoint, model: name, createdAt: OllamaAnswer.now))
                }
                parsed = generation
                answerModel = name
            } else {
                parsed = try GenerationRequest.parse(request.body, dialect: dialect)
            }
        } catch {
            return .error(error)
        }
        request.body = []
        // A spoken prompt is heard first; the story opening it asks for becomes the prompt.
        var heard: Recognition? = nil
        if let wav = parsed.promptAudio {
            guard let listening = lock.withLock({ self.listening }) else { return .error(notReady) }
            do {
                let recognition = try listening.recognize(wav, param: "prompt_audio")
                parsed.prompt = Array(recognition.prompt.utf8)
                heard = recognition
            } catch {
                return .error(error)
            }
            parsed.promptAudio = nil
        }
        let speech = lock.withLock { self.speech }
        if parsed.wantsSpeech, speech?.isAvailable != true {
            let refusal = speech?.refusal(param: parsed.speak ? "speak" : "audio")
            return .error(refusal ?? notReady)
        }
        if let speech { parsed = speech.resolvingPlayback(parsed) }
        guard let queue = lock.withLock({ phase == .ready ? self.queue : nil }) else { return .error(notReady) }
        let job: GenerationJob
        do {
            job = try GenerationJob(request: parsed, dialect: dialect, queue: queue, speech: speech)
        } catch {
            return .error(error)
        }
        do {
            try queue.submit(job)
        } catch {
            job.abandon()
            return .error(error)
        }
        let builder = AnswerBuilder(job: job, arrivedAt: request.arrivedAt, modelName: answerModel ?? queue.engine.modelName,
                                    heard: heard)
        if parsed.stream { return .stream(EventStream(job: job, builder: builder, context: request)) }
        switch job.wait(past: 0, clientGone: { request.clientGone() }).outcome {
        case .completed(let result)?:
            return .body(HTTPBody(status: 200, contentType: "application/json", bytes: builder.answer(result).serialized(),
                                  tokens: job.tokens.count))
        case .cancelled?, nil:
            request.tokens = job.tokens.count
            // Nobody is left to read this; 499 (nginx's "client closed request") marks it in the log and metrics.
            // (A plain request's wait returns only once there is an outcome.)
            return .error(APIError(status: 499, type: "cancelled", message: "the client closed the connection"))
        case .failed(let error)?:
            return .error(error)
        }
    }

    /// Logs one line per request and counts it.
    private func completed(_ request: RequestContext, clientLeft: Bool) {
        let elapsed = FixedDecimal.format(milliseconds(shim_monotonic_ns() - request.arrivedAt), decimals: 1)
        var line = "\(request.methodText.utf8.count <= 16 ? request.methodText : "?") \(request.pathForLog) "
            + "\(request.status == 0 ? "-" : "\(request.status)") tokens=\(request.tokens) ms=\(elapsed)"
        if clientLeft { line += request.status == 0 ? " (connection closed, no answer)" : " (connection closed early)" }
        Log.line(line)
        if request.status != 0 { metrics.recordRequest(route: request.route, status: request.status) }
    }
}
