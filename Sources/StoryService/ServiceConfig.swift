import CPosix
import CJansson
import LlamaCore
import StoryListening
import StorySpeech

/// Everything `babyllama serve` needs to know, from `Config/babyllama.json`
/// (see `load(path:)` for its layout) with command-line flags laid over it.
/// Relative paths are taken from the working directory.
public struct ServiceConfig: Equatable, Sendable {
    /// Address to listen on (numeric, or a name getaddrinfo resolves).
    public var host = "127.0.0.1"
    /// TCP port; 0 lets the system choose (the log says which).
    public var port = 8080
    /// The llama2.c checkpoint served.
    public var checkpointPath = "models/stories260K.bin"
    /// Its tokenizer.
    public var tokenizerPath = "models/tok512.bin"
    /// Threads for the matmuls; 0 means one per CPU.
    public var threads = 0
    /// Requests that may wait while the batch is full (the 503 line).
    public var queueSize = 4
    /// Stories generated at once in one batch (continuous batching); each has its own
    /// key/value cache, sized for the positions it asks for.
    public var maxBatch = ServiceConfig.defaultMaxBatch
    /// Stories at once without a configuration: 4, but 1 on the Duo (64 MB), where
    /// every story's cache competes with the model for memory.
    #if arch(riscv64)
    public static let defaultMaxBatch = 1
    #else
    public static let defaultMaxBatch = 4
    #endif
    /// Largest request body accepted, in bytes (larger gets 413).
    public var maxBodyBytes = 65_536
    /// Connections served at once; each has its own thread.
    public var maxConnections = 32
    /// An idle connection is closed after this many seconds.
    public var connectionTimeoutSeconds = 30
    /// Connections one client address may hold at once (0: no limit). Behind a proxy
    /// every request comes from the proxy's address: raise it or set 0 there.
    public var maxConnectionsPerIP = 16
    /// A request's head and body must all arrive within this many seconds of its
    /// connection opening (or of the previous answer on a kept-alive connection);
    /// a client that drips bytes to hold a connection is cut off.
    public var requestDeadlineSeconds = 10
    /// Host names, origins and the bearer token the service accepts (`AccessPolicy`).
    public var access = AccessPolicy()
    /// Stack of each connection thread, in KiB (the Duo has 64 MB in all).
    public var threadStackKiB = 256
    /// The Retry-After a 503 sends, in seconds.
    public var retryAfterSeconds = 1
    /// On SIGINT/SIGTERM, how long a running generation may go on before it is cancelled.
    public var shutdownGraceSeconds = 10
    /// Speech (espeak-ng) for `"speak"`, `"audio"` and `GET /v1/speak`: off by default,
    /// and `/v1/speak` texts limited to `defaultSpeechTextBytes`.
    public var speech = SpeechSettings(enabled: false, maximumTextBytes: ServiceConfig.defaultSpeechTextBytes)

    /// Sample memory all `/v1/speak` answers may hold at once, in bytes: each holds at
    /// most one piece of its text's speech (`SpeechStream`), so this bounds how many
    /// are sent at once; more get 503.
    public var speechAudioBytes = 8 << 20
    /// Listening (pocketsphinx) for `POST /v1/listen` and `"prompt_audio"`: off by default.
    public var listenEnabled = false
    /// Its grammar folder, acoustic model, confidence threshold and longest request.
    public var listen = ListenSettings()

    /// The longest `/v1/speak` text by default, in UTF-8 bytes: about two minutes of
    /// speech, 5 MB of samples (the WAV answer holds them twice over while it is
    /// made and sent, which the Duo's 64 MB must also fit the model beside).
    public static let defaultSpeechTextBytes = 2_048
    /// The largest `speech.max_text_bytes` accepted.
    public static let maximumSpeechTextBytes = 65_536

    /// The largest `limits.max_batch` accepted: a bound, so that a typo cannot ask for
    /// thousands of stories' caches at once.
    public static let maximumBatch = 64

    /// The defaults listed above (what `Config/babyllama.json` ships with).
    public init() {}

    /// The shortest bearer token accepted (a short one is guessed).
    public static let minimumTokenBytes = 16

    /// Reads a configuration file. Layout (every member optional):
    /// `{"server": {"host", "port", "max_connections", "max_connections_per_ip", "connection_timeout_s",
    /// "request_deadline_s", "thread_stack_kib", "shutdown_grace_s", "allowed_hosts", "allowed_origins"},
    /// "auth": {"token", "token_file"}, "model": {"checkpoint", "tokenizer", "threads"},
    /// "limits": {"queue_size", "max_batch", "max_body_bytes", "retry_after_s"},
    /// "speech": {"enabled", "voice", "rate", "volume", "audio_device", "data_path", "max_text_bytes",
    /// "max_audio_bytes"}, "listen": {"enabled", "config_dir", "acoustic_model", "confidence_threshold",
    /// "max_seconds"}}`.
    /// Unknown members are errors (so typos are caught).
    public static func load(path: String) throws(ServiceError) -> ServiceConfig {
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            throw .invalidConfig(path: path, reason: error.message)
        }
        return try parse(Array(file.bytes), source: path)
    }

    /// Parses configuration JSON; `source` names it in errors.
    public static func parse(_ bytes: [UInt8], source: String) throws(ServiceError) -> ServiceConfig {
        try requireJansson()
        let root: JSONDocument
        do {
            root = try JSONDocument.parse(bytes)
        } catch {
            throw .invalidConfig(path: source, reason: error.message)
        }
        let reader = ConfigReader(source: source)
        guard root.kind == .object else { throw .invalidConfig(path: source, reason: "the top level must be an object") }
        var config = ServiceConfig()
        try reader.checkKeys(root, allowed: ["server", "auth", "model", "limits", "speech", "listen"], section: "")
        if let server = try reader.section(root, "server") {
            try reader.checkKeys(server, allowed: ["host", "port", "max_connections", "max_connections_per_ip",
                                                   "connection_timeout_s", "request_deadline_s", "thread_stack_kib",
                                                   "shutdown_grace_s", "allowed_hosts", "allowed_origins"],
                                 section: "server")
            if let value = try reader.integer(server, "max_connections_per_ip", section: "server") {
                config.maxConnectionsPerIP = value
            }
            if let value = try reader.integer(server, "request_deadline_s", section: "server") {
                config.requestDeadlineSeconds = value
            }
            if let value = try reader.strings(server, "allowed_hosts", section: "server") {
                config.access.allowedHosts = value.map(AccessPolicy.lowercased)
            }
            if let value = try reader.strings(server, "allowed_origins", section: "server") {
                config.access.allowedOrigins = value.map(AccessPolicy.lowercased)
            }
            if let value = try reader.string(server, "host", section: "server") { config.host = value }
            if let value = try reader.integer(server, "port", section: "server") { config.port = value }
            if let value = try reader.integer(server, "max_connections", section: "server") { config.maxConnections = value }
            if let value = try reader.integer(server, "connection_timeout_s", section: "server") {
                config.connectionTimeoutSeconds = value
            }
            if let value = try reader.integer(server, "thread_stack_kib", section: "server") { config.threadStackKiB = value }
            if let value = try reader.integer(server, "shutdown_grace_s", section: "server") {
                config.shutdownGraceSeconds = value
            }
        }
        if let auth = try reader.section(root, "auth") {
            try reader.checkKeys(auth, allowed: ["token", "token_file"], section: "auth")
            let token = try reader.string(auth, "token", section: "auth")
            let tokenFile = try reader.string(auth, "token_file", section: "auth")
            if token != nil && tokenFile != nil { throw reader.fail("set auth.token or auth.token_file, not both") }
            if let token { config.access.token = Array(token.utf8) }
            if let tokenFile { config.access.token = try readToken(path: tokenFile, source: source) }
        }
        if let model = try reader.section(root, "model") {
            try reader.checkKeys(model, allowed: ["checkpoint", "tokenizer", "threads"], section: "model")
            if let value = try reader.string(model, "checkpoint", section: "model") { config.checkpointPath = value }
            if let value = try reader.string(model, "tokenizer", section: "model") { config.tokenizerPath = value }
            if let value = try reader.integer(model, "threads", section: "model") { config.threads = value }
        }
        if let limits = try reader.section(root, "limits") {
            try reader.checkKeys(limits, allowed: ["queue_size", "max_batch", "max_body_bytes", "retry_after_s"],
                                 section: "limits")
            if let value = try reader.integer(limits, "queue_size", section: "limits") { config.queueSize = value }
            if let value = try reader.integer(limits, "max_batch", section: "limits") { config.maxBatch = value }
            if let value = try reader.integer(limits, "max_body_bytes", section: "limits") { config.maxBodyBytes = value }
            if let value = try reader.integer(limits, "retry_after_s", section: "limits") { config.retryAfterSeconds = value }
        }
        if let speech = try reader.section(root, "speech") {
            try reader.checkKeys(speech, allowed: ["enabled", "voice", "rate", "volume", "audio_device", "data_path",
                                                   "max_text_bytes", "max_audio_bytes"], section: "speech")
            if let value = try reader.integer(speech, "max_audio_bytes", section: "speech") { config.speechAudioBytes = value }
            if let value = try reader.bool(speech, "enabled", section: "speech") { config.speech.enabled = value }
            if let value = try reader.string(speech, "voice", section: "speech") { config.speech.voice = value }
            if let value = try reader.integer(speech, "rate", section: "speech") { config.speech.rate = value }
            if let value = try reader.integer(speech, "volume", section: "speech") { config.speech.volume = value }
            if let value = try reader.string(speech, "audio_device", section: "speech") { config.speech.audioDevice = value }
            if let value = try reader.string(speech, "data_path", section: "speech") { config.speech.dataPath = value }
            if let value = try reader.integer(speech, "max_text_bytes", section: "speech") {
                config.speech.maximumTextBytes = value
            }
        }
        if let listen = try reader.section(root, "listen") {
            try reader.checkKeys(listen, allowed: ["enabled", "config_dir", "acoustic_model", "confidence_threshold",
                                                   "max_seconds"], section: "listen")
            if let value = try reader.bool(listen, "enabled", section: "listen") { config.listenEnabled = value }
            if let value = try reader.string(listen, "config_dir", section: "listen") { config.listen.configDirectory = value }
            if let value = try reader.string(listen, "acoustic_model", section: "listen") { config.listen.acousticModel = value }
            if let value = try reader.number(listen, "confidence_threshold", section: "listen") {
                config.listen.confidenceThreshold = value
            }
            if let value = try reader.integer(listen, "max_seconds", section: "listen") { config.listen.maximumSeconds = value }
        }
        do {
            try config.validate()
        } catch {
            throw .invalidConfig(path: source, reason: error.message)
        }
        return config
    }

    /// Checks every setting's range (call again after flags change them).
    public func validate() throws(ServiceError) {
        func check(_ ok: Bool, _ text: String) throws(ServiceError) {
            if !ok { throw .invalidSetting(text) }
        }
        try check(!host.isEmpty, "host must not be empty")
        try check(port >= 0 && port <= 65_535, "port must be between 0 and 65535, got \(port)")
        try check(!checkpointPath.isEmpty, "the model path must not be empty")
        try check(!tokenizerPath.isEmpty, "the tokenizer path must not be empty")
        try check(threads >= 0 && threads <= 256, "threads must be between 0 (one per CPU) and 256, got \(threads)")
        try check(queueSize >= 0 && queueSize <= 1_024, "queue_size must be between 0 and 1024, got \(queueSize)")
        try check(maxBatch >= 1 && maxBatch <= ServiceConfig.maximumBatch,
                  "max_batch must be between 1 and \(ServiceConfig.maximumBatch) (stories generated at once), got \(maxBatch)")
        try check(maxBodyBytes >= 256 && maxBodyBytes <= 16 << 20,
                  "max_body_bytes must be between 256 and 16777216, got \(maxBodyBytes)")
        try check(maxConnections >= 2 && maxConnections <= 1_024,
                  "max_connections must be between 2 and 1024, got \(maxConnections)")
        try check(maxConnectionsPerIP >= 0 && maxConnectionsPerIP <= 1_024,
                  "max_connections_per_ip must be between 0 (no limit) and 1024, got \(maxConnectionsPerIP)")
        try check(requestDeadlineSeconds >= 1 && requestDeadlineSeconds <= 3_600,
                  "request_deadline_s must be between 1 and 3600, got \(requestDeadlineSeconds)")
        if let token = access.token {
            try check(token.count >= ServiceConfig.minimumTokenBytes && token.count <= 4_096,
                      "the auth token must be \(ServiceConfig.minimumTokenBytes) to 4096 bytes long, got \(token.count)")
            try check(token.allSatisfy { $0 > 0x20 && $0 < 0x7F },
                      "the auth token must be printable ASCII without spaces")
        }
        try check(connectionTimeoutSeconds >= 0 && connectionTimeoutSeconds <= 86_400,
                  "connection_timeout_s must be between 0 (never) and 86400, got \(connectionTimeoutSeconds)")
        try check(threadStackKiB >= 128 && threadStackKiB <= 65_536,
                  "thread_stack_kib must be between 128 and 65536, got \(threadStackKiB)")
        try check(retryAfterSeconds >= 0 && retryAfterSeconds <= 3_600,
                  "retry_after_s must be between 0 and 3600, got \(retryAfterSeconds)")
        try check(shutdownGraceSeconds >= 0 && shutdownGraceSeconds <= 3_600,
                  "shutdown_grace_s must be between 0 and 3600, got \(shutdownGraceSeconds)")
        try check(speech.rate >= 80 && speech.rate <= 450, "speech.rate must be between 80 and 450, got \(speech.rate)")
        try check(speech.volume >= 0 && speech.volume <= 200,
                  "speech.volume must be between 0 and 200, got \(speech.volume)")
        try check(!speech.voice.isEmpty, "speech.voice must not be empty")
        try check(!speech.audioDevice.isEmpty, "speech.audio_device must not be empty")
        try check(speech.dataPath.map { !$0.isEmpty } ?? true, "speech.data_path must not be empty (null searches)")
        try check(speech.maximumTextBytes >= 1 && speech.maximumTextBytes <= ServiceConfig.maximumSpeechTextBytes,
                  "speech.max_text_bytes must be between 1 and \(ServiceConfig.maximumSpeechTextBytes), got \(speech.maximumTextBytes)")
        try check(speechAudioBytes >= 1 << 20 && speechAudioBytes <= 1 << 30,
                  "speech.max_audio_bytes must be between 1048576 and 1073741824, got \(speechAudioBytes)")
        do {
            try speech.validate()   // the voice name's characters, checked as espeak-ng will
        } catch {
            throw .invalidSetting("speech: \(error.message)")
        }
        try check(!listen.configDirectory.isEmpty, "listen.config_dir must not be empty")
        try check(!listen.acousticModel.isEmpty, "listen.acoustic_model must not be empty")
        do {
            try listen.validate()
        } catch {
            throw .invalidSetting("listen: \(error.message)")
        }
    }

    /// The thread count to use: `threads`, or one per CPU when it is 0.
    public var effectiveThreads: Int { threads > 0 ? threads : Int(shim_cpu_count()) }
}

/// Typed reads of configuration members, with errors that name the member.
private struct ConfigReader {
    let source: String

    func fail(_ reason: String) -> ServiceError { .invalidConfig(path: source, reason: reason) }

    func name(_ section: String, _ key: String) -> String { section.isEmpty ? key : section + "." + key }

    func checkKeys(_ object: JSONDocument, allowed: [String], section: String) throws(ServiceError) {
        for key in object.keys where !allowed.contains(where: { $0.utf8.elementsEqual(key.utf8) }) {
            throw fail("unknown setting '\(name(section, key))'")
        }
    }

    func section(_ root: JSONDocument, _ key: String) throws(ServiceError) -> JSONDocument? {
        guard let value = root.member(key), value.kind != .null else { return nil }
        if value.kind != .object { throw fail("'\(key)' must be an object") }
        return value
    }

    func string(_ object: JSONDocument, _ key: String, section: String) throws(ServiceError) -> String? {
        guard let value = object.member(key), value.kind != .null else { return nil }
        guard let bytes = value.stringBytes else { throw fail("'\(name(section, key))' must be a string") }
        if bytes.contains(0) { throw fail("'\(name(section, key))' must not contain NUL") }
        return String(decoding: bytes, as: UTF8.self)
    }

    func integer(_ object: JSONDocument, _ key: String, section: String) throws(ServiceError) -> Int? {
        guard let value = object.member(key), value.kind != .null else { return nil }
        guard let number = value.integerValue, number >= Int64(Int32.min), number <= Int64(Int32.max) else {
            throw fail("'\(name(section, key))' must be an integer")
        }
        return Int(number)
    }

    func strings(_ object: JSONDocument, _ key: String, section: String) throws(ServiceError) -> [String]? {
        guard let value = object.member(key), value.kind != .null else { return nil }
        guard value.kind == .array else { throw fail("'\(name(section, key))' must be an array of strings") }
        var result: [String] = []
        for element in value.elements {
            guard let bytes = element.stringBytes, !bytes.isEmpty, !bytes.contains(0) else {
                throw fail("'\(name(section, key))' must be an array of non-empty strings")
            }
            result.append(String(decoding: bytes, as: UTF8.self))
        }
        return result
    }

    func number(_ object: JSONDocument, _ key: String, section: String) throws(ServiceError) -> Double? {
        guard let value = object.member(key), value.kind != .null else { return nil }
        guard let number = value.numberValue else { throw fail("'\(name(section, key))' must be a number") }
        return number
    }

    func bool(_ object: JSONDocument, _ key: String, section: String) throws(ServiceError) -> Bool? {
        guard let value = object.member(key), value.kind != .null else { return nil }
        guard let flag = value.boolValue else { throw fail("'\(name(section, key))' must be true or false") }
        return flag
    }
}

/// A token file's token: its content without surrounding whitespace (a final newline).
private func readToken(path: String, source: String) throws(ServiceError) -> [UInt8] {
    let file: MappedFile
    do {
        file = try MappedFile(path: path)
    } catch {
        throw .invalidConfig(path: source, reason: "auth.token_file: \(error.message)")
    }
    var bytes = Array(file.bytes)
    while let last = bytes.last, last == 0x20 || (last >= 0x09 && last <= 0x0D) { bytes.removeLast() }
    while let first = bytes.first, first == 0x20 || (first >= 0x09 && first <= 0x0D) { bytes.removeFirst() }
    return bytes
}

/// Fails with the loader's one-line reason when libjansson (opened at first use) is missing.
func requireJansson() throws(ServiceError) {
    if let reason = babyllama_jansson_unavailable_reason() { throw .system(String(cString: reason)) }
}
