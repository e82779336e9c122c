import ArgumentParser
import Glibc
import StorySpeech

/// `babyllama say`: speaks text on the audio device, or writes it as a WAV file.
struct SayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "say",
        abstract: "Speak text with espeak-ng, or write it to a 16-bit mono WAV file.")

    @Argument(help: "Text to speak ('-' reads standard input).")
    var text: String

    @OptionGroup var speech: SpeechOptions

    @Option(name: .long, help: "Write a WAV file instead of playing.")
    var out: String?

    func run() throws {
        try reportingErrors {
            let engine = try SpeechEngine(settings: speech.settings)
            let words = text == "-" ? String(decoding: readStandardInput(), as: UTF8.self) : text
            let audio = try engine.synthesize(words)
            if let out {
                if let reason = write(audio.wavBytes(), to: out) {
                    standardError("babyllama: error: cannot write '\(out)': \(reason)\n")
                    throw ExitCode(1)
                }
            } else {
                do throws(SpeechError) {
                    try play(audio)
                } catch {
                    standardError("babyllama: error: \(error.message) (--out FILE.wav saves the speech instead)\n")
                    throw ExitCode(1)
                }
            }
            standardError("tts ms: \(fixed(audio.synthesisMilliseconds, 1))\n")
        }
    }

    /// Writes `bytes` to the file at `path`; returns the system's reason on failure.
    private func write(_ bytes: [UInt8], to path: String) -> String? {
        guard let file = fopen(path, "wb") else { return String(cString: strerror(errno)) }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let failure = written == bytes.count ? nil : String(cString: strerror(errno))
        if fclose(file) != 0 && failure == nil { return String(cString: strerror(errno)) }
        return failure
    }

    private func play(_ audio: SpeechAudio) throws(SpeechError) {
        let output = AlsaAudioOutput(device: speech.audioDevice)
        try output.open(sampleRate: audio.sampleRate)
        defer { output.close() }
        try audio.samples.withUnsafeBufferPointer { samples throws(SpeechError) in try output.write(samples) }
        output.drain()
    }
}
