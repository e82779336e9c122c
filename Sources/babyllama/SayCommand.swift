import ArgumentParser
import Foundation
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
            let words = text == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : text
            let audio = try engine.synthesize(words)
            if let out {
                do {
                    try Data(audio.wavBytes()).write(to: URL(fileURLWithPath: out))
                } catch {
                    standardError("babyllama: error: cannot write '\(out)': \(error.localizedDescription)\n")
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
            standardError("tts ms: \(String(format: "%.1f", audio.synthesisMilliseconds))\n")
        }
    }

    private func play(_ audio: SpeechAudio) throws(SpeechError) {
        let output = AlsaAudioOutput(device: speech.audioDevice)
        try output.open(sampleRate: audio.sampleRate)
        defer { output.close() }
        try audio.samples.withUnsafeBufferPointer { samples throws(SpeechError) in try output.write(samples) }
        output.drain()
    }
}
