import Support

/// What one request sounded like to the recognizer, and what it was understood as.
public struct Recognition: Equatable, Sendable {
    /// The words heard ("" when nothing was).
    public let text: String
    /// pocketsphinx's posterior confidence in the words, 0...1.
    public let confidence: Double
    /// The request the words make.
    public let request: StoryRequest
    /// True when the words were sure enough (`ListenSettings.confidenceThreshold`) and
    /// named a character: the story can be told. False means "please ask again".
    public let understood: Bool
    /// Time spent recognizing (not recording), in milliseconds.
    public let sttMilliseconds: Double
    /// How long the audio was, in seconds.
    public let audioSeconds: Double

    public init(text: String, confidence: Double, request: StoryRequest, understood: Bool, sttMilliseconds: Double,
                audioSeconds: Double) {
        self.text = text
        self.confidence = confidence
        self.request = request
        self.understood = understood
        self.sttMilliseconds = sttMilliseconds
        self.audioSeconds = audioSeconds
    }

    /// The prompt to tell the story from: the request's opening when understood, else the generic one.
    public var prompt: String { understood ? request.opening : StoryRequest.genericOpening }

    /// The request as the API and `listen --json` give it.
    public var requestJSON: JSONValue {
        .object([
            ("characters", .array(request.characters.map { character in
                .object([("word", .string(character.word)), ("kind", .string(character.category.label)),
                         ("colour", character.colour.map { .string($0) } ?? .null)])
            })),
            ("place", request.place.map { .string($0) } ?? .null),
            ("action", request.action.map { .string($0) } ?? .null),
            ("prompt", .string(prompt)),
        ])
    }

    /// `{text, understood, confidence, request, stt_ms, audio_ms}`.
    public var json: JSONValue {
        .object([
            ("text", .string(text)), ("understood", .bool(understood)), ("confidence", .double(confidence)),
            ("request", requestJSON), ("stt_ms", .double(sttMilliseconds)), ("audio_ms", .double(audioSeconds * 1000)),
        ])
    }
}
