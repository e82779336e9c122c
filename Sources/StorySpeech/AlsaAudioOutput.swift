import CAlsa

/// Plays audio on an ALSA PCM device: `default` (the system's mixer or first
/// card), or a named one such as `plughw:0,0` on the Duo. `plug` devices convert
/// espeak-ng's 22050 Hz to whatever rate the codec takes.
public final class AlsaAudioOutput: AudioOutput, @unchecked Sendable {
    /// The ALSA device name.
    public let device: String
    /// How much audio ALSA buffers ahead, in microseconds: enough to ride out a
    /// busy CPU, little enough that cancelling is quick.
    public static let latencyMicroseconds: UInt32 = 300_000
    private var pcm: OpaquePointer?

    /// Why this process can play no audio at all (libasound cannot be loaded), or
    /// nil (always in the Duo's static build, which links alsa-lib). A missing or busy device shows
    /// only when `open` tries it.
    public static var unavailableReason: String? {
        guard let reason = babyllama_alsa_unavailable_reason() else { return nil }
        return String(cString: reason)
    }

    /// Why a story sent to `device` could never be heard here, or nil: ALSA is
    /// unavailable, or `device` is the default or a card (`hw:`, `plughw:`,
    /// `sysdefault`) and the machine has no sound card at all, as on the Duo 64M.
    /// Other devices (`null`, plugins an .asoundrc defines) are not judged here: a
    /// missing one shows when a story opens it.
    public static func playbackImpossibleReason(device: String) -> String? {
        if let unavailableReason { return unavailableReason }
        let namesACard = device == "default" || device.hasPrefix("hw:") || device.hasPrefix("plughw:")
            || device.hasPrefix("sysdefault")
        var card: Int32 = -1
        if namesACard && (snd_card_next(&card) < 0 || card < 0) {
            return "this machine has no sound card for audio device '\(device)'"
        }
        return nil
    }

    public init(device: String = "default") {
        self.device = device
    }

    deinit { close() }

    public func open(sampleRate: Int) throws(SpeechError) {
        close()
        calsa_silence_library_errors()
        var handle: OpaquePointer? = nil
        // Non-blocking open: a busy hardware device fails at once instead of
        // waiting for its owner to let go. Writes are switched back to blocking.
        var status = snd_pcm_open(&handle, device, SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK)
        guard status >= 0, let handle else {
            throw .audioDeviceUnavailable(device: device, reason: AlsaAudioOutput.describe(status))
        }
        status = snd_pcm_nonblock(handle, 0)
        if status >= 0 {
            status = snd_pcm_set_params(handle, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED,
                                        1, UInt32(sampleRate), 1, AlsaAudioOutput.latencyMicroseconds)
        }
        if status < 0 {
            snd_pcm_close(handle)
            throw .audioDeviceUnavailable(device: device, reason: AlsaAudioOutput.describe(status))
        }
        pcm = handle
    }

    /// Plays `audio` whole: opens the device, writes every sample, waits until it
    /// has been heard and closes the device (`say`; stories stream through `write`).
    public func play(_ audio: SpeechAudio) throws(SpeechError) {
        try open(sampleRate: audio.sampleRate)
        defer { close() }
        try audio.samples.withUnsafeBufferPointer { samples throws(SpeechError) in try write(samples) }
        drain()
    }

    public func write(_ samples: UnsafeBufferPointer<Int16>) throws(SpeechError) {
        guard let pcm else { throw .audioWriteFailed(device: device, reason: "device is not open") }
        guard let base = samples.baseAddress else { return }
        var offset = 0
        while offset < samples.count {
            let written = snd_pcm_writei(pcm, base + offset, snd_pcm_uframes_t(samples.count - offset))
            if written < 0 {
                // Underruns (the story paused) and suspends are normal: recover and go on.
                let recovered = snd_pcm_recover(pcm, Int32(written), 1)
                if recovered < 0 {
                    throw .audioWriteFailed(device: device, reason: AlsaAudioOutput.describe(Int32(written)))
                }
                continue
            }
            offset += Int(written)
        }
    }

    public func drain() {
        if let pcm { snd_pcm_drain(pcm) }
    }

    public func discard() {
        if let pcm { snd_pcm_drop(pcm) }
    }

    public func close() {
        if let pcm {
            snd_pcm_close(pcm)
            self.pcm = nil
        }
    }

    private static func describe(_ status: Int32) -> String {
        guard let text = snd_strerror(status) else { return "ALSA error \(status)" }
        return String(cString: text)
    }
}
