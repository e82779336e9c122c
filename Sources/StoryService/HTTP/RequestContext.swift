import CMicroHTTPD
import CPosix

/// One HTTP request while it is being read and answered: what arrived, and what
/// the log line and metrics will say about it. Lives on its connection's thread.
final class RequestContext: @unchecked Sendable {
    let method: [UInt8]
    let path: [UInt8]
    let route: Route
    /// The connection's socket, to notice a client that hangs up mid-generation.
    let socket: Int32
    /// Monotonic time the request's headers arrived.
    let arrivedAt = shim_monotonic_ns()
    /// The body so far (never more than the limit).
    var body: [UInt8] = []
    /// The body went over the limit.
    var tooLarge = false
    /// Bytes of an oversized body dropped so far.
    var discardedBytes = 0
    /// An answer has been queued.
    var answered = false
    /// The status answered (for the log and metrics).
    var status = 0
    /// Tokens generated for this request (for the log).
    var tokens = 0
    /// The query parameters the route reads, percent-decoded (filled for `/v1/speak`).
    var query: [(name: String, value: [UInt8])] = []
    /// The headers `AccessPolicy` reads (nil when absent).
    var host: [UInt8]?
    var origin: [UInt8]?
    var authorization: [UInt8]?
    /// The Content-Type (read for `/v1/listen`, whose body is audio).
    var contentType: [UInt8]?

    init(method: [UInt8], path: [UInt8], socket: Int32) {
        self.method = method
        self.path = path
        self.route = Route(path: path)
        self.socket = socket
    }

    var methodText: String { String(decoding: method, as: UTF8.self) }

    /// The path for the log, with control characters and non-ASCII shown as `?`
    /// (a client must not be able to forge log lines) and cut at 200 bytes.
    var pathForLog: String {
        let shown = path.prefix(200).map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: "?") }
        return String(decoding: shown, as: UTF8.self) + (path.count > 200 ? "..." : "")
    }

    /// True when the client has closed its connection.
    func clientGone() -> Bool { babyllama_socket_peer_gone(socket) != 0 }
}
