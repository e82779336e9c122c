import Foundation
import XCTest

/// A sound card made of a named pipe, for a server under test: ALSA's `file`
/// plugin (over the `null` device) writes every sample played into the pipe, and
/// this class reads them back. While its gate is closed nothing is read, so the
/// pipe fills and playback blocks, as on a card that is busy playing; opening the
/// gate lets it through. The server finds the device through an `.asoundrc` in the
/// directory it must be given as `HOME`.
final class PipeSpeaker: @unchecked Sendable {
    /// The ALSA device name to configure (`speech.audio_device`).
    static let device = "babyllama_pipe"
    /// The `HOME` to start the server with.
    let home: URL
    private let pipePath: String
    private let condition = NSCondition()
    private var gateOpen = false
    private var stopped = false
    private var received = Data()

    init() throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("babyllama-alsa-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        pipePath = home.appendingPathComponent("speaker.pipe").path
        guard mkfifo(pipePath, 0o600) == 0 else { throw CocoaError(.fileWriteUnknown) }
        let configuration = """
            pcm.\(PipeSpeaker.device) {
                type file
                slave.pcm "null"
                file "\(pipePath)"
                format "raw"
            }
            """
        try configuration.write(to: home.appendingPathComponent(".asoundrc"), atomically: true, encoding: .utf8)
        Thread { [self] in readLoop() }.start()
    }

    /// Lets playback through (true) or holds it (false).
    func setGate(open: Bool) {
        condition.withLock {
            gateOpen = open
            condition.broadcast()
        }
    }

    /// Every byte played so far: raw 16-bit little-endian samples, story after story.
    var bytes: Data { condition.withLock { received } }

    /// Stops reading and removes the pipe and its directory.
    func stop() {
        condition.withLock {
            stopped = true
            gateOpen = true
            condition.broadcast()
        }
        // A reader waiting in open() for a writer is released by a writer that comes and goes.
        let writer = open(pipePath, O_WRONLY | O_NONBLOCK)
        if writer >= 0 { close(writer) }
        try? FileManager.default.removeItem(at: home)
    }

    /// Opens the pipe for each story (ALSA opens and closes the device per story) and reads it while the gate is open.
    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !condition.withLock({ stopped }) {
            let reader = open(pipePath, O_RDONLY)   // waits for a writer
            if reader < 0 { return }
            while true {
                let stop: Bool = condition.withLock {
                    while !gateOpen && !stopped { condition.wait() }
                    return stopped
                }
                if stop { break }
                let count = read(reader, &buffer, buffer.count)
                if count <= 0 { break }
                condition.withLock { received.append(contentsOf: buffer[0..<count]) }
            }
            close(reader)
        }
    }
}
