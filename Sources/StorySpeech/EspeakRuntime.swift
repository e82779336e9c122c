import CEspeak
import CPosix
import Support

/// The process's one espeak-ng. espeak-ng keeps all its state (voice, rate,
/// output buffers, the synth callback) in globals and is not thread-safe, so every
/// call into it is made here, under one lock; engines with different settings
/// share it by re-applying their voice, rate and volume when they differ from the
/// ones in force. (Starting espeak-ng also sets the process's LC_CTYPE to a UTF-8
/// locale, which its wide-character tables need.)
final class EspeakRuntime: @unchecked Sendable {
    static let shared = EspeakRuntime()

    /// Milliseconds of audio espeak-ng hands the callback at a time.
    private static let bufferMilliseconds: Int32 = 200

    private let lock = ConditionLock()
    private var dataPath: String?
    private var sampleRate = 0
    private var voice: String?
    private var rate = -1
    private var volume = -1
    /// Collects the samples of the synthesis in progress. Set only under `lock`, and
    /// read only by the synth callback, which espeak-ng calls on the thread holding it.
    fileprivate var activeSink: SampleSink?

    private init() {}

    /// Starts espeak-ng with `dataPath` the first time; later calls check that they
    /// ask for the same data. Returns the sample rate.
    func start(dataPath: String) throws(SpeechError) -> Int {
        try lock.withLock { () throws(SpeechError) -> Int in
            if let current = self.dataPath {
                if current != dataPath { throw .dataPathConflict(inUse: current, requested: dataPath) }
                return sampleRate
            }
            // What espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, ...) does, step by step,
            // so a failure comes back as a status instead of a message on stderr.
            espeak_ng_InitializePath(dataPath)
            var context: espeak_ng_ERROR_CONTEXT? = nil
            let status = espeak_ng_Initialize(&context)
            if status != ENS_OK {
                espeak_ng_ClearErrorContext(&context)
                throw .synthesisFailed("cannot start espeak-ng with data in '\(dataPath)': \(EspeakRuntime.describe(status))")
            }
            let outputStatus = espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, EspeakRuntime.bufferMilliseconds, nil)
            if outputStatus != ENS_OK {
                throw .synthesisFailed("cannot set up espeak-ng's output: \(EspeakRuntime.describe(outputStatus))")
            }
            espeak_SetSynthCallback(espeakSynthCallback)
            self.dataPath = dataPath
            sampleRate = Int(espeak_ng_GetSampleRate())
            return sampleRate
        }
    }

    /// Checks that espeak-ng accepts `settings` (its voice above all) by applying them.
    func check(_ settings: SpeechSettings) throws(SpeechError) {
        try lock.withLock { () throws(SpeechError) in try apply(settings) }
    }

    /// Synthesizes `text` (UTF-8, NUL-terminated) with `settings`. The returned time
    /// counts espeak-ng's work (voice changes included), not the wait for the lock.
    func synthesize(_ text: [UInt8], settings: SpeechSettings, maximumSamples: Int,
                    shouldStop: (() -> Bool)?) throws(SpeechError) -> SpeechAudio {
        precondition(text.last == 0, "espeak-ng reads text up to a NUL byte")
        return try lock.withLock { () throws(SpeechError) -> SpeechAudio in
            let started = shim_monotonic_ns()
            try apply(settings)   // loading a voice is text-to-speech work too
            let collector = SampleSink(maximumSamples: maximumSamples, shouldStop: shouldStop)
            activeSink = collector
            defer { activeSink = nil }
            let flags = UInt32(espeakCHARS_UTF8) | UInt32(espeakENDPAUSE)
            let status = text.withUnsafeBytes { bytes in
                espeak_ng_Synthesize(bytes.baseAddress, bytes.count, 0, POS_CHARACTER, 0, flags, nil, nil)
            }
            let elapsed = shim_monotonic_ns() &- started
            if collector.overflowed {
                throw .synthesisFailed("the speech is longer than \(maximumSamples / max(1, sampleRate)) seconds")
            }
            if status != ENS_OK && !collector.stopped {
                throw .synthesisFailed(EspeakRuntime.describe(status))
            }
            return SpeechAudio(samples: collector.samples, sampleRate: sampleRate, synthesisNanoseconds: elapsed)
        }
    }

    /// Sets voice, rate and volume where they differ from those in force (lock held).
    private func apply(_ settings: SpeechSettings) throws(SpeechError) {
        if voice != settings.voice {
            voice = nil
            var status = espeak_ng_SetVoiceByName(settings.voice)
            if status == ENS_VOICE_NOT_FOUND {
                // Not a voice file name: try it as a language (`en-gb`, `en-gb+f3`),
                // as the espeak-ng command does.
                status = settings.voice.withCString { language in
                    var selector = espeak_VOICE()
                    selector.languages = language
                    return espeak_ng_SetVoiceByProperties(&selector)
                }
            }
            if status == ENS_VOICE_NOT_FOUND { throw .unknownVoice(settings.voice) }
            if status != ENS_OK {
                throw .synthesisFailed("cannot load voice '\(settings.voice)': \(EspeakRuntime.describe(status))")
            }
            voice = settings.voice
            // A new voice brings its own speed and amplitude: set ours again.
            rate = -1
            volume = -1
        }
        if rate != settings.rate {
            let status = espeak_ng_SetParameter(espeakRATE, Int32(settings.rate), 0)
            if status != ENS_OK { throw .synthesisFailed("cannot set the rate: \(EspeakRuntime.describe(status))") }
            rate = settings.rate
        }
        if volume != settings.volume {
            let status = espeak_ng_SetParameter(espeakVOLUME, Int32(settings.volume), 0)
            if status != ENS_OK { throw .synthesisFailed("cannot set the volume: \(EspeakRuntime.describe(status))") }
            volume = settings.volume
        }
    }

    /// espeak-ng's own message for a status code.
    private static func describe(_ status: espeak_ng_STATUS) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        buffer.withUnsafeMutableBufferPointer { pointer in
            espeak_ng_GetStatusCodeMessage(status, pointer.baseAddress, pointer.count - 1)
        }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return bytes.isEmpty ? "status \(status.rawValue)" : String(decoding: bytes, as: UTF8.self)
    }
}

/// Receives the samples espeak-ng produces for one text.
final class SampleSink {
    private(set) var samples: [Int16] = []
    let maximumSamples: Int
    let shouldStop: (() -> Bool)?
    private(set) var overflowed = false
    private(set) var stopped = false

    init(maximumSamples: Int, shouldStop: (() -> Bool)?) {
        self.maximumSamples = maximumSamples
        self.shouldStop = shouldStop
    }

    /// Takes a buffer of samples; false asks espeak-ng to stop.
    func receive(_ buffer: UnsafeBufferPointer<Int16>) -> Bool {
        if samples.count + buffer.count > maximumSamples {
            overflowed = true
            return false
        }
        samples.append(contentsOf: buffer)
        if let shouldStop, shouldStop() {
            stopped = true
            return false
        }
        return true
    }
}

/// espeak-ng's synth callback: a C function, so it reaches the collector through
/// the runtime (espeak-ng calls it on the synthesizing thread, inside the lock).
private let espeakSynthCallback: @convention(c) (UnsafeMutablePointer<Int16>?, Int32, UnsafeMutablePointer<espeak_EVENT>?) -> Int32 = { wave, count, _ in
    guard let sink = EspeakRuntime.shared.activeSink else { return 1 }
    guard let wave, count > 0 else { return 0 }
    return sink.receive(UnsafeBufferPointer(start: wave, count: Int(count))) ? 0 : 1
}
