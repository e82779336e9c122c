import Foundation
import TestSupport
import XCTest

/// babyllama opens espeak-ng, ALSA, libmicrohttpd and jansson only when a command
/// first uses them (Sources/CLazyLibrary): the engine commands must not map them
/// (with what they pull in they cost ~6 MB of resident memory), speech must still
/// load them, and a missing library must give a clear error, never a crash.
final class LibraryLoadingTests: XCTestCase {
    /// The four libraries, by the names the forwarders open.
    static let sonames = ["libespeak-ng.so.1", "libasound.so.2", "libmicrohttpd.so.12", "libjansson.so.4",
                          "libpocketsphinx.so.3", "libsphinxbase.so.3"]

    /// Runs `executable` (the built babyllama, or a patched copy) with `LD_DEBUG=files`:
    /// the dynamic loader then names every object it maps, on stderr. A run that hangs
    /// is killed after two minutes and fails.
    func run(_ executable: String? = nil, _ arguments: [String], loaderDebug: Bool = true) throws -> BabyLlamaBinary.Outcome {
        try BabyLlamaBinary.run(arguments, environment: loaderDebug ? ["LD_DEBUG": "files"] : [:], timeout: 120,
                                executable: executable)
    }

    func temporaryFile(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("babyllama-loading-\(getpid())-\(name)")
        try? FileManager.default.removeItem(at: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// The libraries among `sonames` that the loader reports mapping.
    func mappedLibraries(_ outcome: BabyLlamaBinary.Outcome) -> [String] {
        LibraryLoadingTests.sonames.filter { outcome.standardError.contains("file=\($0) ") }
    }

    func testEngineCommandsMapNoneOfTheLibraries() throws {
        let commands = [
            ["run", "models/stories260K.bin", "-z", "models/tok512.bin", "-n", "40", "-t", "0", "-i", "Once upon"],
            ["tokenize", "-z", "models/tokenizer.bin", "hello"],
        ]
        for arguments in commands {
            let outcome = try run(nil, arguments)
            XCTAssertEqual(outcome.status, 0, "\(arguments): \(outcome.standardError.suffix(2_000))")
            // The loader did report: libc is always mapped (so an empty list below means something).
            XCTAssertTrue(outcome.standardError.contains("file=libc.so.6 "), "LD_DEBUG=files had no effect")
            XCTAssertEqual(mappedLibraries(outcome), [], "\(arguments[0]) maps a library it never uses")
        }
    }

    func testSayLoadsEspeakWhenItSpeaks() throws {
        let file = temporaryFile("say.wav")
        let outcome = try run(nil, ["say", "Hello there.", "--out", file.path])
        XCTAssertEqual(outcome.status, 0, String(outcome.standardError.suffix(2_000)))
        let loaded = outcome.errorLines.filter { $0.contains("file=libespeak-ng.so.1 ") }
        XCTAssertTrue(loaded.contains { $0.contains("dynamically loaded") }, "espeak-ng is opened with dlopen")
        XCTAssertFalse(mappedLibraries(outcome).contains("libmicrohttpd.so.12"))
        let wav = try WAVFile(try Data(contentsOf: file))
        XCTAssertGreaterThan(WAVFile.rms(wav.samples), WAVFile.speechRMSFloor)
    }

    // MARK: A library that is not installed

    /// A copy of babyllama (beside it, so its $ORIGIN run path still holds) that opens
    /// `replacement` instead of `soname`: a library no system has.
    func executable(opening replacement: String, insteadOf soname: String) throws -> String {
        precondition(replacement.utf8.count == soname.utf8.count, "the name is patched in place")
        let original = URL(fileURLWithPath: try BabyLlamaBinary.requiredPath())
        var bytes = [UInt8](try Data(contentsOf: original))
        let needle = Array(soname.utf8) + [0]
        var found: [Int] = []
        var index = 0
        while index + needle.count <= bytes.count {
            if bytes[index] == needle[0] && bytes[index..<index + needle.count].elementsEqual(needle) {
                found.append(index)
                index += needle.count
            } else {
                index += 1
            }
        }
        XCTAssertEqual(found.count, 1, "\(soname) is named once in the binary")
        for start in found { bytes.replaceSubrange(start..<start + needle.count - 1, with: Array(replacement.utf8)) }
        let copy = original.deletingLastPathComponent()
            .appendingPathComponent("babyllama-test-\(getpid())-\(soname.prefix { $0 != "." })")
        try Data(bytes).write(to: copy)
        addTeardownBlock { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy.path)
        return copy.path
    }

    func testMissingEspeakIsOneClearError() throws {
        let babyllama = try executable(opening: "libespeak-XX.so.1", insteadOf: "libespeak-ng.so.1")
        let file = temporaryFile("never.wav")
        for arguments in [["say", "Hello.", "--out", file.path],
                          ["run", "models/stories260K.bin", "-z", "models/tok512.bin", "-n", "20", "--speak"]] {
            let outcome = try run(babyllama, arguments, loaderDebug: false)
            XCTAssertTrue(outcome.exited, "\(arguments[0]) must not crash")
            XCTAssertEqual(outcome.status, 1)
            XCTAssertEqual(outcome.errorLines.count, 1, outcome.standardError)
            let line = outcome.errorLines.first ?? ""
            XCTAssertTrue(line.hasPrefix("babyllama: error: speech synthesis failed: cannot start espeak-ng"), line)
            XCTAssertTrue(line.hasSuffix(": libespeak-XX.so.1 not found: install espeak-ng"), line)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: file.path))
    }

    func testListenLoadsPocketSphinxWhenItListens() throws {
        let outcome = try run(nil, ["listen", "--in", "/nonexistent.wav"])
        XCTAssertEqual(outcome.status, 1)
        for soname in ["libpocketsphinx.so.3", "libsphinxbase.so.3"] {
            let loaded = outcome.errorLines.filter { $0.contains("file=\(soname) ") }
            XCTAssertTrue(loaded.contains { $0.contains("dynamically loaded") }, "\(soname) is opened with dlopen")
        }
        XCTAssertFalse(mappedLibraries(outcome).contains("libmicrohttpd.so.12"))
    }

    func testMissingPocketSphinxIsOneClearError() throws {
        let babyllama = try executable(opening: "libpocketXXXinx.so.3", insteadOf: "libpocketsphinx.so.3")
        for arguments in [["listen", "--in", "/tmp/never.wav"], ["run", "--listen", "--listen-in", "/tmp/never.wav"]] {
            let outcome = try run(babyllama, arguments, loaderDebug: false)
            XCTAssertTrue(outcome.exited, "\(arguments[0]) must not crash")
            XCTAssertEqual(outcome.status, 1)
            XCTAssertEqual(outcome.errorLines, ["babyllama: error: listening is not available: libpocketXXXinx.so.3 not found: "
                                                + "install libpocketsphinx3"], "\(arguments)")
        }
    }

    func testMissingALSAIsOneClearError() throws {
        let babyllama = try executable(opening: "libasXXnd.so.2", insteadOf: "libasound.so.2")
        let outcome = try run(babyllama, ["say", "Hello."], loaderDebug: false)
        XCTAssertTrue(outcome.exited)
        XCTAssertEqual(outcome.status, 1)
        XCTAssertEqual(outcome.errorLines, ["babyllama: error: no audio device 'default': libasXXnd.so.2 not found: "
                                            + "install libasound2 (--out FILE.wav saves the speech instead)"])
    }

    /// `serve` with `replacement` opened instead of `soname`: it must stop at once, exit 1.
    private func serveWithout(_ soname: String, opening replacement: String) throws -> BabyLlamaBinary.Outcome {
        let babyllama = try executable(opening: replacement, insteadOf: soname)
        let outcome = try run(babyllama, ["serve", "--port", "0", "--model", "models/stories260K.bin",
                                          "--tokenizer", "models/tok512.bin"], loaderDebug: false)
        XCTAssertTrue(outcome.exited)
        XCTAssertEqual(outcome.status, 1)
        return outcome
    }

    func testMissingMicroHTTPDStopsServeWithOneLine() throws {
        let outcome = try serveWithout("libmicrohttpd.so.12", opening: "libmicroXXXpd.so.12")
        XCTAssertEqual(outcome.errorLines.last, "babyllama: error: libmicroXXXpd.so.12 not found: install libmicrohttpd12")
    }

    func testMissingJanssonStopsServeWithOneLine() throws {
        // serve checks for jansson before it reads Config/babyllama.json with it.
        let outcome = try serveWithout("libjansson.so.4", opening: "libjaXXson.so.4")
        XCTAssertEqual(outcome.errorLines, ["babyllama: error: libjaXXson.so.4 not found: install libjansson4"])
    }
}
