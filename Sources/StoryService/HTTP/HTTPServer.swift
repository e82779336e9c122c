import CMicroHTTPD
import CPosix
import Support

/// The libmicrohttpd glue: one thread per connection (a generation may block its
/// connection's thread for as long as it runs; the engine thread does the work),
/// an internal poll() thread accepting connections, bodies read up to a limit.
/// Routing and answers belong to `handler`; `completion` sees every request end.
final class HTTPServer: @unchecked Sendable {
    /// Answers a request whose headers and body have arrived.
    private var handler: ((RequestContext) -> HTTPAnswer)?
    /// Sees each request end (for the log line and metrics); `clientLeft` when it did not end normally.
    private var completion: ((RequestContext, _ clientLeft: Bool) -> Void)?
    private let bodyLimits: BodyLimits
    private let policy: AccessPolicy
    /// Request deadlines and the connections kept for health checks (see `start`).
    private var guardian: OpaquePointer?
    /// Connections beyond `max_connections` kept for `/healthz`, `/health` and `/metrics`.
    static let probeConnections = 2
    /// How long a kept connection's request may take to arrive, in milliseconds.
    static let probeDeadlineMilliseconds: UInt32 = 2_000
    /// Bytes of an oversized chunked body read (and dropped) before the connection is closed.
    static let discardLimit = 4 << 20
    private var daemon: OpaquePointer?
    /// Requests begun and not yet completed (guarded by `activity`).
    private var activeRequests = 0
    private let activity = ConditionLock()
    /// The port listened on.
    private(set) var port = 0

    init(bodyLimits: BodyLimits, policy: AccessPolicy, handler: @escaping (RequestContext) -> HTTPAnswer,
         completion: @escaping (RequestContext, Bool) -> Void) {
        self.bodyLimits = bodyLimits
        self.policy = policy
        self.handler = handler
        self.completion = completion
    }

    /// Binds and starts serving: `max_connections` for any request, two more for
    /// health checks and metrics (so a full server still answers its monitor), each
    /// request's head and body due within `request_deadline_s`.
    func start(config: ServiceConfig) throws(ServiceError) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        guard let guardian = babyllama_guard_create(
            UInt32(config.maxConnections), UInt32(config.requestDeadlineSeconds * 1_000),
            min(HTTPServer.probeDeadlineMilliseconds, UInt32(config.requestDeadlineSeconds * 1_000)))
        else { throw .system("cannot start the connection watchdog thread") }
        self.guardian = guardian
        var error = [CChar](repeating: 0, count: 256)
        let started: OpaquePointer? = config.host.withCString { host in
            var settings = babyllama_mhd_settings(
                host: host, port: UInt16(config.port),
                connection_limit: UInt32(config.maxConnections + HTTPServer.probeConnections),
                timeout_seconds: UInt32(config.connectionTimeoutSeconds),
                thread_stack_bytes: config.threadStackKiB * 1_024,
                connection_memory_bytes: 32 * 1_024, listen_backlog: 64,
                per_ip_limit: UInt32(config.maxConnectionsPerIP), guard: guardian)
            return error.withUnsafeMutableBufferPointer { buffer in
                babyllama_mhd_start(&settings, HTTPServer.accessCallback, context,
                                    HTTPServer.completedCallback, context, buffer.baseAddress, buffer.count)
            }
        }
        guard let started else {
            babyllama_guard_destroy(guardian)
            self.guardian = nil
            let limit = error.firstIndex(of: 0) ?? error.count
            throw .cannotListen(String(decoding: error[0..<limit].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        daemon = started
        port = Int(babyllama_mhd_bound_port(started))
    }

    /// Closes the listening socket: no new connections; open ones are still served.
    func stopListening() {
        if let daemon { babyllama_mhd_stop_listening(daemon) }
    }

    /// Waits until every request begun has been answered and completed (a stream's last
    /// event included), or `milliseconds` pass; true if none is left.
    @discardableResult
    func waitUntilIdle(milliseconds: Int) -> Bool {
        let deadline = shim_monotonic_ns() + UInt64(milliseconds) * 1_000_000
        return activity.withLock {
            while activeRequests > 0 {
                let now = shim_monotonic_ns()
                if now >= deadline { return false }
                activity.wait(milliseconds: Int((deadline - now) / 1_000_000) + 1)
            }
            return true
        }
    }

    /// Closes every connection and joins their threads (call once no request is waiting on the engine).
    func stop() {
        if let daemon { MHD_stop_daemon(daemon) }
        daemon = nil
        babyllama_guard_destroy(guardian)
        guardian = nil
        handler = nil
        completion = nil
    }

    // MARK: Callbacks (C function pointers: no captures, the server comes in `cls`)

    private static let accessCallback: MHD_AccessHandlerCallback = {
        cls, connection, url, method, _, uploadData, uploadDataSize, slot in
        guard let cls, let connection, let uploadDataSize, let slot else { return .NO }
        let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
        return server.access(connection: connection, url: url, method: method, upload: uploadData,
                             uploadSize: uploadDataSize, slot: slot)
    }

    private static let completedCallback: MHD_RequestCompletedCallback = { cls, connection, slot, termination in
        guard let cls, let slot, let raw = slot.pointee else { return }
        slot.pointee = nil
        let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
        if let connection { babyllama_guard_request_done(server.guardian, connection) }
        // A request refused before its handler ran still holds the URI callback's marker, not a context.
        if raw == babyllama_mhd_nul_path_marker() { return }
        let context = Unmanaged<RequestContext>.fromOpaque(raw).takeRetainedValue()
        server.completion?(context, termination != .REQUEST_TERMINATED_COMPLETED_OK)
        server.activity.withLock { server.activeRequests -= 1 }
        server.activity.broadcast()
    }

    private static let streamReader: MHD_ContentReaderCallback = { cls, _, buffer, capacity in
        guard let cls, let buffer else { return babyllama_mhd_end_with_error() }
        let stream = Unmanaged<EventStream>.fromOpaque(cls).takeUnretainedValue()
        return stream.read(into: buffer, capacity: capacity)
    }

    private static let streamRelease: MHD_ContentReaderFreeCallback = { cls in
        guard let cls else { return }
        let stream = Unmanaged<EventStream>.fromOpaque(cls).takeRetainedValue()
        stream.close()
    }

    private static let speechReader: MHD_ContentReaderCallback = { cls, _, buffer, capacity in
        guard let cls, let buffer else { return babyllama_mhd_end_with_error() }
        return Unmanaged<SpeechStream>.fromOpaque(cls).takeUnretainedValue().read(into: buffer, capacity: capacity)
    }

    private static let speechRelease: MHD_ContentReaderFreeCallback = { cls in
        guard let cls else { return }
        Unmanaged<SpeechStream>.fromOpaque(cls).takeRetainedValue().close()
    }

    // MARK: Requests

    private func access(connection: OpaquePointer, url: UnsafePointer<CChar>?, method: UnsafePointer<CChar>?,
                        upload: UnsafePointer<CChar>?, uploadSize: UnsafeMutablePointer<Int>,
                        slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> MHD_Result {
        guard let raw = slot.pointee, raw != babyllama_mhd_nul_path_marker() else {
            // First call: headers only.
            let nulInPath = slot.pointee != nil
            let context = RequestContext(method: HTTPServer.bytes(method), path: HTTPServer.bytes(url),
                                         socket: Int32(babyllama_mhd_connection_socket(connection)))
            slot.pointee = Unmanaged.passRetained(context).toOpaque()
            activity.withLock { activeRequests += 1 }
            if context.route == .speak {
                for name in SpeakRequest.parameterNames {
                    if let value = HTTPServer.queryValue(connection, name) { context.query.append((name, value)) }
                }
            }
            context.host = HTTPServer.header(connection, "Host")
            context.origin = HTTPServer.header(connection, "Origin")
            context.authorization = HTTPServer.header(connection, "Authorization")
            if context.route == .listen { context.contentType = HTTPServer.header(connection, "Content-Type") }
            // Every refusal below is answered before the body is sent (no "100 Continue").
            if let refusal = refusal(connection, context, nulInPath: nulInPath) {
                return respond(connection, context, refusal)
            }
            if let length = announcedLength(connection), length > bodyLimits.limit(for: context.route) {
                context.tooLarge = true
                return respond(connection, context, .error(.tooLarge(limit: bodyLimits.limit(for: context.route))))
            }
            return .YES
        }
        let context = Unmanaged<RequestContext>.fromOpaque(raw).takeUnretainedValue()
        let count = uploadSize.pointee
        if count > 0 {
            uploadSize.pointee = 0
            if context.answered { return .YES }
            if context.tooLarge || context.body.count + count > bodyLimits.limit(for: context.route) {
                // libmicrohttpd takes an answer only before the body or after all of it, so an
                // oversized body without Content-Length (chunked) is read and dropped, then
                // answered 413; one that goes on far past the limit is cut off instead.
                if !context.tooLarge {
                    context.tooLarge = true
                    context.body = []
                }
                context.discardedBytes += count
                return context.discardedBytes > HTTPServer.discardLimit ? .NO : .YES
            }
            if let upload {
                upload.withMemoryRebound(to: UInt8.self, capacity: count) {
                    context.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: count))
                }
            }
            return .YES
        }
        if context.answered { return .YES }
        if context.tooLarge {
            return respond(connection, context, .error(.tooLarge(limit: bodyLimits.limit(for: context.route))))
        }
        // The watchdog has already cut off a request that came too late: nobody reads its answer.
        if babyllama_guard_request_arrived(guardian, connection) == 0 { return .NO }
        guard let handler else {
            return respond(connection, context, .error(.shuttingDown))
        }
        return respond(connection, context, handler(context))
    }

    /// Why a request is refused from its headers alone, or nil.
    private func refusal(_ connection: OpaquePointer, _ context: RequestContext, nulInPath: Bool) -> HTTPAnswer? {
        if nulInPath {
            return .error(.malformed("the request path contains an encoded NUL byte (%00)"))
        }
        if babyllama_mhd_header_count(connection, "Content-Length") > 1 {
            // Two lengths are how request smuggling starts: which one a proxy in front believed is unknown.
            return .error(.malformed("the request has more than one Content-Length header"))
        }
        if babyllama_guard_is_probe_only(guardian, connection) != 0
            && context.route != .healthz && context.route != .health && context.route != .metrics {
            return .error(.unavailable("the server is busy: every connection is in use; this one is kept for "
                                       + "/healthz and /metrics", retryAfterSeconds: 1),
                          headers: [("Connection", "close")])
        }
        if let error = policy.refusal(host: context.host, origin: context.origin,
                                      authorization: context.authorization, route: context.route) {
            return .error(error, headers: error.status == 401 ? AccessPolicy.challenge : [])
        }
        return nil
    }

    /// The value of request header `name`, if it was sent.
    private static func header(_ connection: OpaquePointer, _ name: String) -> [UInt8]? {
        guard let value = MHD_lookup_connection_value(connection, .HEADER_KIND, name) else { return nil }
        return bytes(value)
    }

    /// Content-Length, when the client sent one that is a plain number.
    private func announcedLength(_ connection: OpaquePointer) -> Int? {
        guard let value = MHD_lookup_connection_value(connection, .HEADER_KIND, "Content-Length") else { return nil }
        var length = 0
        var pointer = value
        var digits = 0
        while pointer.pointee != 0 {
            let byte = UInt8(bitPattern: pointer.pointee)
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            length = length > Int.max / 20 ? Int.max / 2 : length * 10 + Int(byte - 0x30)
            digits += 1
            pointer += 1
        }
        return digits > 0 ? length : nil
    }

    private func respond(_ connection: OpaquePointer, _ context: RequestContext, _ answer: HTTPAnswer) -> MHD_Result {
        context.answered = true
        // The request is in: its deadline no longer applies while it is answered (a story takes its time).
        _ = babyllama_guard_request_arrived(guardian, connection)
        switch answer {
        case .body(let body):
            context.status = body.status
            context.tokens = body.tokens
            let response: OpaquePointer? = body.bytes.withUnsafeBytes { bytes in
                MHD_create_response_from_buffer(bytes.count, UnsafeMutableRawPointer(mutating: bytes.baseAddress),
                                                .RESPMEM_MUST_COPY)
            }
            guard let response else { return .NO }
            return queue(response, on: connection, status: body.status,
                         headers: [("Content-Type", body.contentType)] + body.headers)
        case .failure(let error, let headers):
            return respond(connection, context, .body(HTTPBody(error, shape: context.route.errorShape, headers: headers)))
        case .stream(let stream):
            context.status = 200
            let cls = Unmanaged.passRetained(stream).toOpaque()
            guard let response = MHD_create_response_from_callback(
                babyllama_mhd_size_unknown(), 4_096, HTTPServer.streamReader, cls, HTTPServer.streamRelease)
            else {
                Unmanaged<EventStream>.fromOpaque(cls).takeRetainedValue().close()
                return .NO
            }
            return queue(response, on: connection, status: 200,
                         headers: [("Content-Type", stream.framing.contentType), ("Cache-Control", "no-cache"),
                                   ("X-Accel-Buffering", "no")])
        case .speech(let stream, let headers):
            context.status = 200
            let cls = Unmanaged.passRetained(stream).toOpaque()
            guard let response = MHD_create_response_from_callback(
                babyllama_mhd_size_unknown(), 16_384, HTTPServer.speechReader, cls, HTTPServer.speechRelease)
            else {
                Unmanaged<SpeechStream>.fromOpaque(cls).takeRetainedValue().close()
                return .NO
            }
            return queue(response, on: connection, status: 200, headers: [("Content-Type", "audio/wav")] + headers)
        }
    }

    /// Adds `headers` to `response`, queues it with `status` and lets go of it (libmicrohttpd keeps it).
    private func queue(_ response: OpaquePointer, on connection: OpaquePointer, status: Int,
                       headers: [(String, String)]) -> MHD_Result {
        for (name, value) in headers { _ = MHD_add_response_header(response, name, value) }
        let result = MHD_queue_response(connection, UInt32(status), response)
        MHD_destroy_response(response)
        return result
    }

    /// The first value of query parameter `name`, percent-decoded (`+` is a space)
    /// by libmicrohttpd; NUL bytes inside it are kept. A name without `=` has the
    /// empty value.
    private static func queryValue(_ connection: OpaquePointer, _ name: String) -> [UInt8]? {
        var value: UnsafePointer<CChar>? = nil
        var size = 0
        let found = name.withCString { key in
            MHD_lookup_connection_value_n(connection, .GET_ARGUMENT_KIND, key, strlen(key), &value, &size)
        }
        guard found == .YES else { return nil }
        guard let value, size > 0 else { return [] }
        return value.withMemoryRebound(to: UInt8.self, capacity: size) {
            Array(UnsafeBufferPointer(start: $0, count: size))
        }
    }

    private static func bytes(_ text: UnsafePointer<CChar>?) -> [UInt8] {
        guard let text else { return [] }
        let length = strlen(text)
        return text.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }
}
