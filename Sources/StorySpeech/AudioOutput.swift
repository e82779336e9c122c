/// Somewhere to play 16-bit mono audio: the board's speaker (`AlsaAudioOutput`)
/// or, in tests, a recorder. A `StorySpeaker` calls it from its playback thread
/// only, in the order open, write..., drain or discard, close.
public protocol AudioOutput: AnyObject {
    /// Opens the device for 16-bit signed mono samples at `sampleRate` Hz.
    func open(sampleRate: Int) throws(SpeechError)
    /// Plays `samples`, returning once the device has taken them (it may block for
    /// about as long as they play).
    func write(_ samples: UnsafeBufferPointer<Int16>) throws(SpeechError)
    /// Waits until everything written has been heard.
    func drain()
    /// Drops what is queued but not yet heard (speech cancelled).
    func discard()
    /// Releases the device; `open` may be called again afterwards.
    func close()
}
