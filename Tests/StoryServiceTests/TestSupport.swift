import Foundation
import TestSupport
import XCTest

/// The files the service tests use (from TestSupport's Repository and BabyLlamaBinary).
enum Repo {
    static var root: URL { Repository.root }

    static func path(_ relative: String) -> String { Repository.path(relative) }

    /// The `babyllama` executable built with the tests.
    static var binary: String { BabyLlamaBinary.path ?? "babyllama (not built beside the tests: swift test -c release)" }

    static let model = path("models/stories260K.bin")
    static let tokenizer = path("models/tok512.bin")
}

/// Runs a program to the end and returns its exit status and output.
@discardableResult
func runProgram(_ executable: String, _ arguments: [String], stdin: Data? = nil) throws -> (status: Int32, stdout: Data, stderr: Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read both pipes while the program runs so neither fills up.
    final class Box: @unchecked Sendable { var data = Data() }
    let stderrBox = Box()
    let done = DispatchSemaphore(value: 0)
    let errorHandle = err.fileHandleForReading
    Thread {
        stderrBox.data = errorHandle.readDataToEndOfFile()
        done.signal()
    }.start()
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    done.wait()
    process.waitUntilExit()
    return (process.terminationStatus, stdoutData, stderrBox.data)
}

/// An HTTP answer as curl saw it.
struct HTTPResult {
    var status: Int
    /// Header names lowercased.
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object (fails the test if it is not one).
    func json(file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            XCTFail("not a JSON object (status \(status)): \(text.prefix(300))", file: file, line: line)
            return [:]
        }
        return object
    }

    /// Checks the error shape `{"error": {"code": status, "type": str, "message": str}}`.
    func assertError(_ expected: Int, _ context: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(status, expected, "\(context): \(text.prefix(300))", file: file, line: line)
        guard let error = json(file: file, line: line)["error"] as? [String: Any] else {
            XCTFail("\(context): no error object in \(text.prefix(300))", file: file, line: line)
            return
        }
        XCTAssertEqual(error["code"] as? Int, expected, context, file: file, line: line)
        XCTAssertFalse((error["type"] as? String ?? "").isEmpty, context, file: file, line: line)
        XCTAssertFalse((error["message"] as? String ?? "").isEmpty, context, file: file, line: line)
    }
}

/// curl against the server under test.
enum Curl {
    static let executable = "/usr/bin/curl"

    /// Sends one request; `body` goes as-is (any bytes).
    static func request(_ method: String, _ url: String, body: Data? = nil, headers: [String] = [],
                        timeoutSeconds: Int = 120, curlOptions: [String] = []) throws -> HTTPResult {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("curl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let headerFile = directory.appendingPathComponent("headers").path
        let bodyFile = directory.appendingPathComponent("body").path
        var arguments = ["-s", "-S", "-X", method, "--max-time", "\(timeoutSeconds)", "-D", headerFile,
                         "-o", bodyFile, "-w", "%{http_code}"]
        if method == "HEAD" { arguments = ["-s", "-S", "-I", "--max-time", "\(timeoutSeconds)", "-D", headerFile,
                                           "-o", bodyFile, "-w", "%{http_code}"] }
        for header in headers { arguments += ["-H", header] }
        arguments += curlOptions
        if let body {
            let requestFile = directory.appendingPathComponent("request")
            try body.write(to: requestFile)
            arguments += ["--data-binary", "@" + requestFile.path]
            if !headers.contains(where: { $0.lowercased().hasPrefix("content-type") }) {
                arguments += ["-H", "Content-Type: application/json"]
            }
        }
        arguments.append(url)
        let result = try runProgram(executable, arguments)
        let status = Int(String(decoding: result.stdout, as: UTF8.self)) ?? 0
        var headerMap: [String: String] = [:]
        if let raw = try? String(contentsOfFile: headerFile, encoding: .utf8) {
            for line in raw.split(whereSeparator: { $0 == "\r\n" || $0 == "\n" }) {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headerMap[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        let data = (try? Data(contentsOf: URL(fileURLWithPath: bodyFile))) ?? Data()
        return HTTPResult(status: status, headers: headerMap, body: data)
    }

    /// JSON body from a dictionary.
    static func body(_ object: [String: Any]) -> Data {
        try! JSONSerialization.data(withJSONObject: object)
    }
}

/// One server the tests of a class share: started at first use, started again if it
/// died, stopped in the class's tearDown.
final class SharedServer: @unchecked Sendable {
    private let start: () throws -> ServerProcess
    private var running: ServerProcess?

    init(_ start: @escaping () throws -> ServerProcess) { self.start = start }

    var server: ServerProcess {
        get throws {
            if let running, running.process.isRunning { return running }
            let server = try start()
            running = server
            return server
        }
    }

    func stop() {
        running?.stop()
        running = nil
    }
}

/// The test classes that speak to `babyllama serve` on the bundled model with its shipped
/// settings: one server for all of them, started at first use and stopped after each class.
class BundledServerTestCase: XCTestCase {
    private static let shared = SharedServer { try ServerProcess() }

    var server: ServerProcess { get throws { try BundledServerTestCase.shared.server } }

    override class func tearDown() {
        shared.stop()
        super.tearDown()
    }

    /// POSTs `object` as JSON to `path`.
    func post(_ path: String, _ object: [String: Any]) throws -> HTTPResult {
        try Curl.request("POST", server.url(path), body: Curl.body(object))
    }
}

/// `babyllama serve` running on a free loopback port, its log collected.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    private(set) var port = 0
    private let logLock = NSLock()
    private var logData = Data()

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var pid: Int32 { process.processIdentifier }

    /// The log so far.
    var log: String {
        logLock.lock()
        defer { logLock.unlock() }
        return String(decoding: logData, as: UTF8.self)
    }

    /// Starts the server with `arguments` after `serve --host 127.0.0.1 --port 0` and waits until it listens
    /// (and, with `waitForModel`, until the model is loaded). `environment` is added to the test's own.
    init(_ arguments: [String] = ["--model", Repo.model, "--tokenizer", Repo.tokenizer],
         waitForModel: Bool = true, environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: Repo.binary)
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", "0"] + arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.currentDirectoryURL = Repo.root
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        // Drain the log continuously: a full pipe would block the server's logging.
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let chunk = handle.availableData
            guard let self, !chunk.isEmpty else { return }
            self.logLock.lock()
            self.logData.append(chunk)
            self.logLock.unlock()
        }
        try process.run()
        let ready = waitFor(seconds: 60) {
            if !self.process.isRunning { return true }
            let text = self.log
            guard let range = text.range(of: "listening on http://127.0.0.1:") else { return false }
            let digits = text[range.upperBound...].prefix { $0.isNumber }
            self.port = Int(digits) ?? 0
            return self.port != 0 && (!waitForModel || text.contains(") loaded in "))
        }
        if !ready || !process.isRunning || port == 0 {
            stop()
            throw ServerError.didNotStart(log)
        }
    }

    enum ServerError: Error { case didNotStart(String) }

    func url(_ path: String) -> String { baseURL + path }

    /// Sends a signal and waits for the exit; returns the exit status (-1 if it had to be killed).
    @discardableResult
    func stop(signal: Int32 = SIGTERM, waitSeconds: Double = 60) -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(pid, signal)
        if !waitFor(seconds: waitSeconds, { !self.process.isRunning }) {
            kill(pid, SIGKILL)
            process.waitUntilExit()
            return -1
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Resident set size in KiB, from /proc.
    var residentKiB: Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        return 0
    }

    /// One metric's value from /metrics (the first sample whose name and labels start with `name`).
    func metric(_ name: String) throws -> Double? {
        let text = try Curl.request("GET", url("/metrics")).text
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }

    deinit { stop(signal: SIGKILL, waitSeconds: 10) }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass (a safety bound, not an assertion on speed).
@discardableResult
func waitFor(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return try condition()
}

/// A model big enough that a generation takes seconds (for queueing, disconnect and
/// shutdown tests): llama2.c v0, dim 512, 8 layers, vocab 512 (tok512.bin), context 512,
/// seeded random weights; BOS's embedding row is zero so greedy decoding never ends the story early.
enum SlowModel {
    private static let url = FileManager.default.temporaryDirectory.appendingPathComponent("babyllama-slow-\(getpid()).bin")

    /// The model file, written the first time it is asked for (and again after `remove`).
    static var path: String {
        if !FileManager.default.fileExists(atPath: url.path) { write() }
        return url.path
    }

    private static func write() {
        let (dim, hidden, layers, heads, kvHeads, vocab, seqLen) = (512, 1376, 8, 8, 8, 512, 512)
        let headSize = dim / heads
        var data = Data()
        for value in [dim, hidden, layers, heads, kvHeads, vocab, seqLen] {
            withUnsafeBytes(of: Int32(value).littleEndian) { data.append(contentsOf: $0) }
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func floats(_ count: Int, constant: Float? = nil, zeroRows: Range<Int>? = nil) {
            var values = [Float](repeating: constant ?? 0, count: count)
            if constant == nil {
                for index in 0..<count {
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    values[index] = (Float(state >> 40) / Float(1 << 24) - 0.5) * 0.1
                }
            }
            if let zeroRows { for index in zeroRows { values[index] = 0 } }
            values.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        floats(vocab * dim, zeroRows: dim..<(2 * dim))     // token embedding (BOS row zero)
        floats(layers * dim, constant: 1)                    // rms_att
        floats(layers * dim * dim)                           // wq
        floats(layers * dim * kvHeads * headSize)            // wk
        floats(layers * dim * kvHeads * headSize)            // wv
        floats(layers * dim * dim)                           // wo
        floats(layers * dim, constant: 1)                    // rms_ffn
        floats(layers * hidden * dim)                        // w1
        floats(layers * dim * hidden)                        // w2
        floats(layers * hidden * dim)                        // w3
        floats(dim, constant: 1)                             // rms_final
        floats(seqLen * headSize / 2)                        // freq_cis_real (unused)
        floats(seqLen * headSize / 2)                        // freq_cis_imag (unused)
        try! data.write(to: url)
    }

    static func remove() { try? FileManager.default.removeItem(at: url) }
}
