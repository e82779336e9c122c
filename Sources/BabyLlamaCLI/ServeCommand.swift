import StoryListening
import StoryService
import StorySpeech

/// `babyllama serve`: the story HTTP API (api/openapi.yaml). The config file sets
/// the defaults, flags override it; SIGINT/SIGTERM finish the work in flight and exit 0.
struct ServeCommand: Command {
    static let defaultConfigPath = "Config/babyllama.json"

    static let spec = CommandSpec(
        name: "serve",
        abstract: "Serve stories over HTTP (POST /v1/generate, /v1/completions, /v1/listen; GET /healthz, /v1/model, /v1/speak, /metrics).",
        options: [
            OptionSpec("config", value: "FILE", help: "Configuration file (default: \(defaultConfigPath) if it exists)."),
            OptionSpec("host", value: "ADDRESS",
                       help: "Address to listen on (default 127.0.0.1; the Duo's USB link is 192.168.42.1)."),
            OptionSpec("port", value: "N", help: "TCP port (default 8080; 0 picks a free one, which the log names)."),
            OptionSpec("model", value: "CHECKPOINT", help: "llama2.c checkpoint to serve."),
            OptionSpec("tokenizer", value: "FILE", help: "Tokenizer file for the model."),
            OptionSpec("threads", value: "N", help: "Threads for the matmuls (0: one per CPU)."),
            OptionSpec("queue-size", value: "N", help: "Requests that may wait while the batch is full; more get 503."),
            OptionSpec("max-batch", value: "N",
                       help: "Stories generated together (default 4); each gets the tokens it gets alone."),
            OptionSpec("max-connections-per-ip", value: "N",
                       help: "Connections one client address may hold (default 16; 0: no limit, as behind a proxy)."),
            .flag("listen", help: "Turn listening on (POST /v1/listen, prompt_audio), whatever the configuration says."),
        ])

    let arguments: ParsedArguments
    let port: Int?
    let threads: Int?
    let queueSize: Int?
    let maxBatch: Int?
    let maxConnectionsPerIP: Int?

    init(_ arguments: ParsedArguments) throws(UsageError) {
        try arguments.noPositionals()
        self.arguments = arguments
        port = try arguments.optionalInteger("port")
        threads = try arguments.optionalInteger("threads")
        queueSize = try arguments.optionalInteger("queue-size")
        maxBatch = try arguments.optionalInteger("max-batch")
        maxConnectionsPerIP = try arguments.optionalInteger("max-connections-per-ip")
    }

    /// Serves until SIGINT/SIGTERM; returns the exit status.
    func run() -> Int32 {
        // Before any thread starts, so SIGINT/SIGTERM reach only the main thread's wait.
        TerminationSignals.block()
        do {
            try serve()
        } catch {
            return failure(error.message)
        }
        return 0
    }

    private func serve() throws(ServiceError) {
        var settings = try loadConfig()
        if let host = arguments.value("host") { settings.host = host }
        if let port { settings.port = port }
        if let model = arguments.value("model") { settings.checkpointPath = model }
        if let tokenizer = arguments.value("tokenizer") { settings.tokenizerPath = tokenizer }
        if let threads { settings.threads = threads }
        if let queueSize { settings.queueSize = queueSize }
        if let maxBatch { settings.maxBatch = maxBatch }
        if let maxConnectionsPerIP { settings.maxConnectionsPerIP = maxConnectionsPerIP }
        // The speech data beside the executable (the Duo's install), unless the config names one.
        if settings.speech.dataPath == nil { settings.speech.dataPath = SpeechOptions.dataBesideExecutable() }
        if arguments.has("listen") { settings.listenEnabled = true }
        // The acoustic model beside the executable (the Duo's install) when the config keeps Debian's.
        if settings.listen.acousticModel == ListenSettings.systemAcousticModel {
            settings.listen.acousticModel = ListenOptions.acousticModel()
        }
        try StoryService.serveUntilSignalled(config: settings)
    }

    private func loadConfig() throws(ServiceError) -> ServiceConfig {
        if let config = arguments.value("config") { return try ServiceConfig.load(path: config) }
        if fileExists(ServeCommand.defaultConfigPath) { return try ServiceConfig.load(path: ServeCommand.defaultConfigPath) }
        return ServiceConfig()
    }
}
