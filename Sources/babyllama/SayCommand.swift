import ArgumentParser

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
        if let message = SayRun.say(text, out: out, settings: speech.settings) {
            standardError("babyllama: error: \(message)\n")
            throw ExitCode(1)
        }
    }
}
