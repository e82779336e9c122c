import Foundation
import XCTest

/// The service on a shared network: slow clients cannot lock others out, requests are
/// checked for host, origin and token before anything runs, and malformed HTTP is
/// answered in the API's JSON shape.
final class ServiceHardeningTests: XCTestCase {
    nonisolated(unsafe) private static var files: [String] = []

    override class func tearDown() {
        for path in files { try? FileManager.default.removeItem(atPath: path) }
        super.tearDown()
    }

    /// Writes `text` to a temporary file and returns its path.
    private static func temporaryFile(_ text: String, suffix: String = ".json") throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("babyllama-hardening-\(UUID().uuidString)\(suffix)").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        files.append(path)
        return path
    }

    private static func config(_ object: [String: Any]) throws -> String {
        try temporaryFile(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
    }

    private static func server(_ object: [String: Any]) throws -> ServerProcess {
        try ServerProcess(["--config", try config(object), "--model", Repo.model, "--tokenizer", Repo.tokenizer])
    }

    private static let story = Curl.body(["prompt": "Tom and his dog", "seed": 7, "max_tokens": 8])

    // MARK: Slow clients

    /// Issue 14's attack: 32 connections, each sending a header line now and then. The
    /// per-address limit keeps them to 8, and a health check from another address answers;
    /// the request deadline then cuts them off although they keep sending.
    func testSlowClientsFromOneAddressLeaveHealthAnswering() throws {
        let server = try Self.server(["server": ["max_connections_per_ip": 8, "request_deadline_s": 2]])
        let slow = try (0..<32).map { _ in try SlowClient(port: server.port) }
        XCTAssertTrue(waitFor(seconds: 30) { slow.filter { $0.closedByServer() }.count >= 24 },
                      "the connections past the per-address limit of 8 are refused")
        for client in slow { client.drip() }
        let health = try Curl.request("GET", server.url("/healthz"), timeoutSeconds: 10,
                                      curlOptions: ["--interface", "127.0.0.2"])
        XCTAssertEqual(health.status, 200, "health from another address while the slow clients hold their 8")
        // Each keeps dripping a header line; the deadline (2 s for head and body) still closes it.
        try assertDeadlineCutsOff(slow, then: server)
    }

    /// The slow clients go on dripping header lines until the server has closed every one
    /// (the request deadline), and then a story is served.
    private func assertDeadlineCutsOff(_ slow: [SlowClient], then server: ServerProcess,
                                       file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertTrue(waitFor(seconds: 30) {
            for client in slow { client.drip() }
            return slow.allSatisfy { $0.closedByServer() }
        }, "every slow client is cut off by the request deadline", file: file, line: line)
        XCTAssertEqual(try Curl.request("POST", server.url("/v1/generate"), body: Self.story).status, 200,
                       file: file, line: line)
        XCTAssertEqual(server.stop(), 0, file: file, line: line)
    }

    /// With every served connection held by slow clients (no per-address limit), the two
    /// connections kept for monitoring still answer /healthz and /metrics and refuse the rest
    /// with 503; once the deadline has cut the slow clients off, stories are served again.
    func testFullServerKeepsConnectionsForHealthAndMetrics() throws {
        let server = try Self.server(["server": ["max_connections": 4, "max_connections_per_ip": 0,
                                                 "request_deadline_s": 3]])
        let slow = try (0..<4).map { _ in try SlowClient(port: server.port) }
        XCTAssertEqual(try Curl.request("GET", server.url("/healthz"), timeoutSeconds: 10).status, 200)
        XCTAssertEqual(try Curl.request("GET", server.url("/metrics"), timeoutSeconds: 10).status, 200)
        let refused = try Curl.request("POST", server.url("/v1/generate"), body: Self.story, timeoutSeconds: 10)
        if slow.allSatisfy({ !$0.closedByServer() }) {
            refused.assertError(503, "a story on a connection kept for monitoring")
            XCTAssertTrue(String(decoding: refused.body, as: UTF8.self).contains("kept for /healthz"))
        }
        try assertDeadlineCutsOff(slow, then: server)
    }

    // MARK: Host, Origin, token

    func testForeignHostAndOriginAreRefusedAndCurlStillWorks() throws {
        let server = try Self.server(["server": ["allowed_hosts": ["robot.local"],
                                                 "allowed_origins": ["http://dashboard.local:8123"]]])
        let plain = try Curl.request("POST", server.url("/v1/generate"), body: Self.story,
                                     headers: ["Content-Type: application/x-www-form-urlencoded"])
        XCTAssertEqual(plain.status, 200, "curl -d as the README shows it (form content type, no Origin)")
        XCTAssertEqual(plain.json()["completion_tokens"] as? Int, 8)

        let rebound = try Curl.request("POST", server.url("/v1/generate"), body: Self.story,
                                       headers: ["Host: attacker.example:\(server.port)"])
        rebound.assertError(403, "DNS rebinding: a foreign Host")
        XCTAssertEqual(try Curl.request("GET", server.url("/healthz"), headers: ["Host: Robot.Local:80"]).status, 200)
        XCTAssertEqual(try Curl.request("GET", server.url("/healthz"), headers: ["Host: localhost"]).status, 200)

        for origin in ["http://attacker.example", "null", "http://dashboard.local:8124"] {
            let page = try Curl.request("POST", server.url("/v1/generate"), body: Self.story,
                                        headers: ["Origin: \(origin)", "Content-Type: text/plain"])
            page.assertError(403, "a web page at \(origin)")
        }
        let allowed = try Curl.request("POST", server.url("/v1/generate"), body: Self.story,
                                       headers: ["Origin: http://dashboard.local:8123"])
        XCTAssertEqual(allowed.status, 200)
        XCTAssertEqual(server.stop(), 0)
    }

    func testBearerTokenFromFileGuardsEverythingButHealth() throws {
        let token = "bedtime-" + UUID().uuidString
        let tokenFile = try Self.temporaryFile(token + "\n", suffix: ".token")
        let server = try Self.server(["auth": ["token_file": tokenFile]])
        let missing = try Curl.request("POST", server.url("/v1/generate"), body: Self.story)
        missing.assertError(401, "no token")
        XCTAssertEqual(missing.headers["www-authenticate"], "Bearer realm=\"babyllama\"")
        try Curl.request("POST", server.url("/v1/generate"), body: Self.story,
                         headers: ["Authorization: Bearer \(token)x"]).assertError(401, "a wrong token")
        try Curl.request("GET", server.url("/metrics")).assertError(401, "metrics need the token too")
        XCTAssertEqual(try Curl.request("GET", server.url("/healthz")).status, 200, "health stays open")
        let answered = try Curl.request("POST", server.url("/v1/generate"), body: Self.story,
                                        headers: ["Authorization: Bearer \(token)"])
        XCTAssertEqual(answered.status, 200)
        XCTAssertEqual(answered.json()["completion_tokens"] as? Int, 8)
        XCTAssertEqual(server.stop(), 0)
    }

    func testShortOrDoubleTokenSettingsAreConfigurationErrors() throws {
        for (auth, expected) in [(["token": "short"], "auth token must be 16 to 4096 bytes"),
                                 (["token": "a-long-enough-token", "token_file": "/etc/hostname"], "not both")] {
            let result = try runProgram(Repo.binary, ["serve", "--config", try Self.config(["auth": auth]), "--port", "0"])
            XCTAssertNotEqual(result.status, 0)
            XCTAssertTrue(String(decoding: result.stderr, as: UTF8.self).contains(expected),
                          String(decoding: result.stderr, as: UTF8.self))
        }
    }

    // MARK: Malformed HTTP

    func testEncodedNULInPathAndTwoContentLengthsAre400() throws {
        let server = try Self.server([:])
        try Curl.request("GET", server.url("/healthz%00.txt")).assertError(400, "%00 in the path")
        try Curl.request("POST", server.url("/v1/generate"), body: Self.story,
                         headers: ["Content-Length: \(Self.story.count)", "Content-Length: \(Self.story.count)"])
            .assertError(400, "two Content-Length headers")
        XCTAssertEqual(server.stop(), 0)
    }
}

/// A client that opens a connection, sends the start of a request and then a header
/// line now and then, never finishing it (a "slowloris").
final class SlowClient {
    private let socket: Int32
    private var lines = 0

    init(port: Int) throws {
        socket = try loopbackConnection(port: port)
        send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    }

    deinit { close(socket) }

    /// One more header line (the request never ends).
    func drip() {
        lines += 1
        send("X-Slow-\(lines): still here\r\n")
    }

    /// True once the server has closed (or reset) the connection.
    func closedByServer() -> Bool {
        var watch = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        guard poll(&watch, 1, 0) > 0 else { return false }
        var byte: UInt8 = 0
        let count = recv(socket, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    private func send(_ text: String) {
        _ = text.withCString { Glibc.send(socket, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }
}

/// A TCP connection to 127.0.0.1:`port` (a raw socket, for clients curl cannot play);
/// `receiveBuffer` shrinks its receive buffer first.
func loopbackConnection(port: Int, receiveBuffer: Int32? = nil) throws -> Int32 {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    if var size = receiveBuffer {
        setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else { close(socket); throw CocoaError(.fileReadUnknown) }
    return socket
}
