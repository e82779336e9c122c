/// Who may use the service, checked before any route runs:
///
/// - **Host**: a request names the server by an IP address, `localhost`, or a name in
///   `server.allowed_hosts`. A page that rebinds its own DNS name to this address
///   (DNS rebinding) still sends its own name, and is refused (403).
/// - **Origin**: browsers send it on every cross-site POST (whatever the content
///   type), so a request that carries one must come from `server.allowed_origins` or
///   from the server's own origin; any other page is refused (403). `curl` and
///   scripts send none and are not affected: the content type is not the defence.
/// - **Bearer token** (`auth.token` or `auth.token_file`): when set, every route but
///   the health checks needs `Authorization: Bearer <token>` (401 otherwise).
public struct AccessPolicy: Equatable, Sendable {
    /// The token requests must carry; nil when the service is open.
    public var token: [UInt8]?
    /// Host names (without port) accepted besides IP addresses and `localhost`; lower case.
    public var allowedHosts: [String]
    /// Origins (`scheme://host[:port]`) whose pages may call the service; lower case.
    public var allowedOrigins: [String]

    public init(token: [UInt8]? = nil, allowedHosts: [String] = [], allowedOrigins: [String] = []) {
        self.token = token
        self.allowedHosts = allowedHosts.map(AccessPolicy.lowercased)
        self.allowedOrigins = allowedOrigins.map(AccessPolicy.lowercased)
    }

    /// The refusal for a request with these headers on `route`, or nil when it may go on.
    func refusal(host: [UInt8]?, origin: [UInt8]?, authorization: [UInt8]?, route: Route) -> APIError? {
        if let host, !accepts(host: host) {
            return APIError(status: 403, type: "forbidden_error",
                            message: "this server does not answer to the host name '\(AccessPolicy.shown(host))'; "
                                + "add it to server.allowed_hosts to allow it")
        }
        if let origin, !accepts(origin: origin, host: host) {
            return APIError(status: 403, type: "forbidden_error",
                            message: "requests from web pages at '\(AccessPolicy.shown(origin))' are not allowed; "
                                + "add the origin to server.allowed_origins to allow it")
        }
        if let token, route != .healthz, route != .health, !AccessPolicy.carries(token, authorization) {
            return APIError(status: 401, type: "authentication_error",
                            message: authorization == nil
                                ? "this server needs a token: send 'Authorization: Bearer <token>'"
                                : "the bearer token is not valid")
        }
        return nil
    }

    /// The headers a 401 adds.
    static let challenge = [("WWW-Authenticate", "Bearer realm=\"babyllama\"")]

    // MARK: Checks

    /// An IP literal (which no DNS answer can rebind), `localhost`, or an allowed name.
    func accepts(host: [UInt8]) -> Bool {
        let name = AccessPolicy.lowercased(AccessPolicy.withoutPort(host))
        if name.isEmpty { return false }
        if AccessPolicy.isIPLiteral(name) || name == "localhost" { return true }
        return allowedHosts.contains(name)
    }

    /// An allowed origin, or the server's own (`http://` + the Host header).
    func accepts(origin: [UInt8], host: [UInt8]?) -> Bool {
        let text = AccessPolicy.lowercased(origin)
        if allowedOrigins.contains(text) { return true }
        guard let host else { return false }
        let own = AccessPolicy.lowercased(host)
        return text == "http://" + own || text == "https://" + own
    }

    /// Whether `authorization` is `Bearer <token>`, compared in constant time.
    static func carries(_ token: [UInt8], _ authorization: [UInt8]?) -> Bool {
        guard let authorization else { return false }
        let scheme = Array("bearer ".utf8)
        guard authorization.count > scheme.count,
              lowercased(authorization.prefix(scheme.count)) == String(decoding: scheme, as: UTF8.self) else { return false }
        var offered = authorization.dropFirst(scheme.count)
        while offered.first == UInt8(ascii: " ") { offered = offered.dropFirst() }
        var difference = UInt8(truncatingIfNeeded: offered.count ^ token.count)
        for index in 0..<token.count {
            let byte = index < offered.count ? offered[offered.startIndex + index] : 0
            difference |= byte ^ token[index]
        }
        return difference == 0
    }

    /// `host` without a trailing `:port` (an IPv6 literal keeps its brackets).
    static func withoutPort(_ host: [UInt8]) -> ArraySlice<UInt8> {
        if host.first == UInt8(ascii: "[") {
            guard let close = host.firstIndex(of: UInt8(ascii: "]")) else { return host[...] }
            return host[...close]
        }
        guard let colon = host.firstIndex(of: UInt8(ascii: ":")) else { return host[...] }
        return host[..<colon]
    }

    /// A dotted IPv4 address or a bracketed IPv6 one (checked for shape only: it names no DNS entry either way).
    static func isIPLiteral(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        if bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]"), bytes.count > 2 {
            return bytes.dropFirst().dropLast().allSatisfy { isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }
        }
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
                && part.reduce(0) { $0 * 10 + Int($1 - 0x30) } <= 255
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
    }

    static func lowercased<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        String(decoding: bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    static func lowercased(_ text: String) -> String { lowercased(text.utf8) }

    /// A header value for an error message: printable ASCII only, at most 100 bytes.
    static func shown(_ bytes: [UInt8]) -> String {
        let printable = bytes.prefix(100).map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: "?") }
        return String(decoding: printable, as: UTF8.self) + (bytes.count > 100 ? "..." : "")
    }
}
