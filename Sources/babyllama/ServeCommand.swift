import ArgumentParser
import StoryService

/// `babyllama serve`: the story HTTP API (see api/openapi.yaml). The config file
/// sets the defaults; flags override it.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve stories over HTTP (POST /v1/generate, /v1/completions; GET /healthz, /v1/model, /v1/speak, /metrics).")

    static let defaultConfigPath = "Config/babyllama.json"

    @Option(name: .long, help: "Configuration file (default: \(ServeCommand.defaultConfigPath) if it exists).")
    var config: String?

    @Option(name: .long, help: "Address to listen on (default 127.0.0.1; the Duo's USB link is 192.168.42.1).")
    var host: String?

    @Option(name: .long, help: "TCP port (default 8080; 0 picks a free one, which the log names).")
    var port: Int?

    @Option(name: .long, help: "llama2.c checkpoint to serve.")
    var model: String?

    @Option(name: .long, help: "Tokenizer file for the model.")
    var tokenizer: String?

    @Option(name: .long, help: "Threads for the matmuls (0: one per CPU).")
    var threads: Int?

    @Option(name: .long, help: "Requests that may wait while one generates; more get 503.")
    var queueSize: Int?

    func run() throws {
        // Before any thread starts, so SIGINT/SIGTERM reach only the main thread's wait.
        TerminationSignals.block()
        do {
            var settings = try loadConfig()
            if let host { settings.host = host }
            if let port { settings.port = port }
            if let model { settings.checkpointPath = model }
            if let tokenizer { settings.tokenizerPath = tokenizer }
            if let threads { settings.threads = threads }
            if let queueSize { settings.queueSize = queueSize }
            try StoryService.serveUntilSignalled(config: settings)
        } catch let error as ServiceError {
            standardError("babyllama: error: \(error.message)\n")
            throw ExitCode(1)
        }
    }

    private func loadConfig() throws -> ServiceConfig {
        if let config { return try ServiceConfig.load(path: config) }
        if fileExists(ServeCommand.defaultConfigPath) {
            return try ServiceConfig.load(path: ServeCommand.defaultConfigPath)
        }
        return ServiceConfig()
    }
}
