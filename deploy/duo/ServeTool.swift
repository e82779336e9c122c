import StoryService
import StorySpeech

/// `babyllama serve`: the story HTTP API, as the host's ServeCommand runs it —
/// the config file sets the defaults, flags override it, SIGINT/SIGTERM finish
/// the work in flight and exit 0.
struct ServeTool {
    static let usage = """
        usage: babyllama serve [--config FILE] [--host ADDRESS] [--port N] [--model CHECKPOINT]
                               [--tokenizer FILE] [--threads N] [--queue-size N]
        """
    static let defaultConfigPath = "Config/babyllama.json"

    static let options = [OptionSpec("config"), OptionSpec("host"), OptionSpec("port"), OptionSpec("model"),
                          OptionSpec("tokenizer"), OptionSpec("threads"), OptionSpec("queue-size")]

    let arguments: ParsedArguments
    let port: Int?
    let threads: Int?
    let queueSize: Int?

    init(_ arguments: ArraySlice<String>) throws(UsageError) {
        self.arguments = try ParsedArguments(arguments, options: ServeTool.options)
        if let extra = self.arguments.positionals.first { throw UsageError("unexpected argument '\(extra)'") }
        port = self.arguments.value("port") == nil ? nil : try self.arguments.integer("port", 0)
        threads = self.arguments.value("threads") == nil ? nil : try self.arguments.integer("threads", 0)
        queueSize = self.arguments.value("queue-size") == nil ? nil : try self.arguments.integer("queue-size", 0)
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
        // The speech data beside the executable, unless the config names one.
        if settings.speech.dataPath == nil { settings.speech.dataPath = SpeechFlags.dataBesideExecutable() }
        try StoryService.serveUntilSignalled(config: settings)
    }

    private func loadConfig() throws(ServiceError) -> ServiceConfig {
        if let config = arguments.value("config") { return try ServiceConfig.load(path: config) }
        if fileExists(ServeTool.defaultConfigPath) { return try ServiceConfig.load(path: ServeTool.defaultConfigPath) }
        return ServiceConfig()
    }
}
