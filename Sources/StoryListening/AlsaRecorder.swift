import CAlsa
import CPosix

/// Records one spoken request from an ALSA capture device (mono 16-bit) until the
/// speaker stops (`EndOfSpeechDetector`) or `maximumSeconds` pass, and hands it over at
/// 16 kHz. The device is asked for 16 kHz without ALSA's own rate conversion first, then
/// for the rates microphones have; a recording at another rate is resampled here with the
/// windowed-sinc filter: ALSA's default (linear) converter costs the recognizer words
/// (a request heard right at 16 kHz came back as another through a 22050 Hz `plug`).
public struct AlsaRecorder: Sendable {
    public let device: String
    public let maximumSeconds: Int

    public init(device: String = "default", maximumSeconds: Int = ListenSettings.defaultMaximumSeconds) {
        self.device = device
        self.maximumSeconds = maximumSeconds
    }

    /// The request, once the speaker has stopped. Throws when the device cannot be
    /// opened or read, or when nobody spoke within `maximumSeconds`.
    public func record() throws(ListenError) -> RecordedAudio {
        if let reason = babyllama_alsa_unavailable_reason() {
            throw .captureFailed(device: device, reason: String(cString: reason))
        }
        calsa_silence_library_errors()
        var handle: OpaquePointer? = nil
        // Non-blocking open: a microphone another program holds fails at once instead of
        // waiting for it; reads are switched back to blocking.
        var status = snd_pcm_open(&handle, device, SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK)
        guard status >= 0, let pcm = handle else { throw .captureFailed(device: device, reason: describe(status)) }
        defer { snd_pcm_close(pcm) }
        status = snd_pcm_nonblock(pcm, 0)
        if status < 0 { throw .captureFailed(device: device, reason: describe(status)) }
        var rate = 0
        for candidate in AlsaRecorder.rates {
            // soft_resample 0: the device's own rate or nothing, no conversion by alsa-lib.
            status = snd_pcm_set_params(pcm, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED, 1,
                                        UInt32(candidate), 0, 100_000)
            if status >= 0 {
                rate = candidate
                break
            }
        }
        if rate == 0 {
            // Last, whatever alsa-lib can convert to 16 kHz.
            status = snd_pcm_set_params(pcm, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED, 1,
                                        UInt32(RecordedAudio.sampleRate), 1, 100_000)
            if status < 0 { throw .captureFailed(device: device, reason: describe(status)) }
            rate = RecordedAudio.sampleRate
        }
        var detector = EndOfSpeechDetector(sampleRate: rate)
        var chunk = [Int16](repeating: 0, count: rate / 20)   // 50 ms
        var recorded = 0
        let limit = maximumSeconds * rate
        while recorded < limit {
            let frames = chunk.withUnsafeMutableBufferPointer { buffer in
                snd_pcm_readi(pcm, buffer.baseAddress, snd_pcm_uframes_t(buffer.count))
            }
            if frames < 0 {
                // An overrun (the CPU was busy) is recovered from; anything else ends the recording.
                if snd_pcm_recover(pcm, Int32(frames), 1) < 0 {
                    throw .captureFailed(device: device, reason: describe(Int32(frames)))
                }
                continue
            }
            recorded += Int(frames)
            let state = chunk.withUnsafeBufferPointer { detector.feed(UnsafeBufferPointer(rebasing: $0[0..<Int(frames)])) }
            if state == .finished { break }
        }
        if detector.state == .waiting {
            throw .captureFailed(device: device, reason: "nobody spoke within \(maximumSeconds) s")
        }
        return RecordedAudio(samples: Resampler.resample(detector.speech, from: rate, to: RecordedAudio.sampleRate))
    }

    /// The recognizer's rate, then the rates microphones and codecs run at.
    static let rates = [RecordedAudio.sampleRate, 48_000, 44_100, 32_000, 22_050, 8_000]

    private func describe(_ status: Int32) -> String {
        guard let text = snd_strerror(status) else { return "error \(status)" }
        return String(cString: text)
    }
}
