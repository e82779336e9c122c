/// Finds where a spoken request starts and ends in a stream of samples, by
/// energy: the first quarter second sets the room's noise floor; speech starts when
/// the energy stays well above it for 60 ms and ends after `silenceToEnd` of quiet.
/// What comes back keeps a little audio before the start, as the recognizer wants.
public struct EndOfSpeechDetector: Sendable {
    /// 20 ms analysis frames.
    let frameSamples: Int
    static let calibrationFrames = 12      // 240 ms
    static let startFrames = 3             // 60 ms above the threshold
    static let prerollFrames = 15          // 300 ms kept before the start
    /// The threshold is this many times the noise floor's RMS...
    static let thresholdFactor = 3.0
    /// ...and never below this RMS (a silent digital line has a floor of 0).
    static let minimumThreshold = 300.0

    public enum State: Equatable, Sendable {
        /// Still waiting for speech.
        case waiting
        /// Hearing speech.
        case speaking
        /// The speaker stopped: `speech` holds the request.
        case finished
    }

    /// Quiet after speech that ends the request, in frames.
    let silenceFrames: Int
    public private(set) var state = State.waiting
    /// The request so far: the pre-roll and everything since speech started.
    public private(set) var speech: [Int16] = []
    private var pending: [Int16] = []
    private var noiseEnergy = 0.0
    private var framesSeen = 0
    private var loudRun = 0
    private var quietRun = 0
    private var preroll: [Int16] = []

    /// `silenceToEnd`: seconds of quiet that end a request (0.8 by default), in a stream of
    /// `sampleRate` samples a second.
    public init(silenceToEnd: Double = 0.8, sampleRate: Int = RecordedAudio.sampleRate) {
        silenceFrames = max(1, Int(silenceToEnd * 50))
        frameSamples = max(1, sampleRate / 50)
    }

    /// Feeds samples; returns the state after them.
    @discardableResult
    public mutating func feed(_ samples: UnsafeBufferPointer<Int16>) -> State {
        for sample in samples where state != .finished {
            pending.append(sample)
            if pending.count == frameSamples {
                frame(pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
        return state
    }

    private mutating func frame(_ frame: [Int16]) {
        var sum = 0.0
        for sample in frame { sum += Double(sample) * Double(sample) }
        let rms = (sum / Double(frame.count)).squareRoot()
        framesSeen += 1
        if framesSeen <= EndOfSpeechDetector.calibrationFrames {
            noiseEnergy += rms / Double(EndOfSpeechDetector.calibrationFrames)
            keepPreroll(frame)
            return
        }
        let threshold = max(EndOfSpeechDetector.minimumThreshold, noiseEnergy * EndOfSpeechDetector.thresholdFactor)
        let loud = rms > threshold
        switch state {
        case .waiting:
            keepPreroll(frame)
            loudRun = loud ? loudRun + 1 : 0
            if loudRun >= EndOfSpeechDetector.startFrames {
                state = .speaking
                speech = preroll
                preroll = []
            }
        case .speaking:
            speech.append(contentsOf: frame)
            quietRun = loud ? 0 : quietRun + 1
            if quietRun >= silenceFrames { state = .finished }
        case .finished:
            break
        }
    }

    private mutating func keepPreroll(_ frame: [Int16]) {
        preroll.append(contentsOf: frame)
        let limit = EndOfSpeechDetector.prerollFrames * frameSamples
        if preroll.count > limit { preroll.removeFirst(preroll.count - limit) }
    }
}
