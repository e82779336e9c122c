import CPosix
import Support

/// Text to speech with espeak-ng, into memory: 16-bit mono PCM.
///
/// espeak-ng is one global synthesizer per process; every engine goes through its
/// single lock (see `EspeakRuntime`), so engines may be used from any thread and
/// several may exist with different voices (they take turns). All engines in a
/// process must use the same espeak-ng data directory.
public final class SpeechEngine: @unchecked Sendable {
    /// The settings this engine speaks with (validated).
    public let settings: SpeechSettings
    /// Samples per second of the audio it makes (espeak-ng: 22050).
    public let sampleRate: Int
    /// The espeak-ng-data directory in use.
    public let dataPath: String
    /// Longest text handed to espeak-ng in one call: longer texts are cut at
    /// sentence ends so the lock is held for a sentence, not a whole story.
    public static let chunkBytes = 600

    private let statistics = ConditionLock()
    private var totalNanoseconds: UInt64 = 0
    private var totalSamples = 0
    private var totalRequests = 0

    /// Starts espeak-ng (once per process) and checks the settings, voice included.
    /// Make the first engine at start-up, before other threads are busy: espeak-ng's
    /// start sets the process's LC_CTYPE locale, and `setlocale` is not thread-safe.
    public init(settings: SpeechSettings = SpeechSettings()) throws(SpeechError) {
        try settings.validate()
        if !settings.enabled { throw .disabled }
        let dataPath = try SpeechEngine.findDataPath(settings.dataPath)
        self.sampleRate = try EspeakRuntime.shared.start(dataPath: dataPath)
        self.dataPath = dataPath
        self.settings = settings
        try EspeakRuntime.shared.check(settings)
    }

    /// Synthesizes `text`. Empty text (or text with nothing to pronounce) is
    /// `.emptyText`; text over `settings.maximumTextBytes` is `.textTooLong`.
    public func synthesize(_ text: String) throws(SpeechError) -> SpeechAudio {
        try synthesize(utf8: Array(text.utf8))
    }

    /// Synthesizes UTF-8 `text` (invalid sequences are spoken as U+FFFD).
    public func synthesize(utf8 text: [UInt8]) throws(SpeechError) -> SpeechAudio {
        try synthesize(utf8: text, shouldStop: nil)
    }

    /// Synthesizes `text`, asking `shouldStop` after every buffer of audio whether
    /// to give up (the story speaker's cancel); partial audio is returned then.
    func synthesize(utf8 text: [UInt8], shouldStop: (() -> Bool)?) throws(SpeechError) -> SpeechAudio {
        // A guard against a runaway synthesis only: at 80 words per minute speech
        // takes about 0.13 s per byte of prose and 0.7 s per byte of long numbers
        // ("987654321" is fifteen words), so allow 2 s per byte.
        try synthesize(utf8: text, maximumSamples: sampleRate * max(60, 2 * text.count), shouldStop: shouldStop)
    }

    /// Synthesizes one piece of a text that is sent as it is spoken (`GET /v1/speak`):
    /// `.synthesisFailed` if its speech would pass `maximumSeconds`, so that what one
    /// stream holds at a time stays bounded.
    public func synthesize(piece text: [UInt8], maximumSeconds: Int) throws(SpeechError) -> SpeechAudio {
        try synthesize(utf8: text, maximumSamples: sampleRate * maximumSeconds, shouldStop: nil)
    }

    private func synthesize(utf8 text: [UInt8], maximumSamples: Int,
                            shouldStop: (() -> Bool)?) throws(SpeechError) -> SpeechAudio {
        if text.count > settings.maximumTextBytes {
            throw .textTooLong(bytes: text.count, limit: settings.maximumTextBytes)
        }
        if !SpeechText.isSpeakable(text[...]) { throw .emptyText }
        let string = String(decoding: text, as: UTF8.self)
        let chunks = text.count <= SpeechEngine.chunkBytes
            ? [string] : SentenceSplitter.sentences(in: string, maximumSentenceBytes: SpeechEngine.chunkBytes)
        var audio = SpeechAudio(samples: [], sampleRate: sampleRate, synthesisNanoseconds: 0)
        for chunk in chunks {
            var bytes = Array(chunk.utf8)
            for index in bytes.indices where bytes[index] == 0 { bytes[index] = 0x20 }   // espeak stops at NUL
            bytes.append(0)
            let part = try EspeakRuntime.shared.synthesize(bytes, settings: settings,
                                                          maximumSamples: maximumSamples - audio.samples.count,
                                                          shouldStop: shouldStop)
            audio.append(part)
            if let shouldStop, shouldStop() { break }
        }
        statistics.withLock {
            totalNanoseconds += audio.synthesisNanoseconds
            totalSamples += audio.samples.count
            totalRequests += 1
        }
        return audio
    }

    /// Text-to-speech time spent by this engine so far, in nanoseconds (for /metrics).
    public var totalSynthesisNanoseconds: UInt64 { statistics.withLock { totalNanoseconds } }
    /// Samples this engine has synthesized so far.
    public var totalSynthesizedSamples: Int { statistics.withLock { totalSamples } }
    /// Texts this engine has synthesized so far.
    public var totalSynthesisCount: Int { statistics.withLock { totalRequests } }

    /// Finds espeak-ng-data: `explicit` if given (it must hold the data), else
    /// `$ESPEAK_DATA_PATH`, else the places Debian, Buildroot and source installs use.
    /// Returns the espeak-ng-data directory itself.
    public static func findDataPath(_ explicit: String?) throws(SpeechError) -> String {
        var candidates: [String] = []
        if let explicit {
            candidates.append(explicit)
        } else {
            if let variable = getenv("ESPEAK_DATA_PATH") {
                candidates.append(String(cString: variable))
            }
            for library in ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib/riscv64-linux-gnu",
                            "/usr/lib/arm-linux-gnueabihf", "/usr/lib", "/usr/share", "/usr/local/share",
                            "/usr/local/lib"] {
                candidates.append(library + "/espeak-ng-data")
            }
        }
        var searched: [String] = []
        for candidate in candidates {
            // Accept the data directory itself or a directory holding it, as espeak-ng does.
            for directory in [candidate, candidate + "/espeak-ng-data"] {
                if isDataDirectory(directory) { return directory }
            }
            searched.append(candidate)
        }
        throw .dataNotFound(searched: searched)
    }

    /// True if `path` holds espeak-ng's compiled phoneme data.
    private static func isDataDirectory(_ path: String) -> Bool {
        for file in ["phontab", "phonindex", "phondata", "intonations"] where access(path + "/" + file, R_OK) != 0 {
            return false
        }
        return true
    }
}
