/// Where speech joins the service. The StorySpeech target (espeak-ng) is built
/// separately; until it is wired in here, requests that ask for speech get a
/// clear 501 rather than a silent story.
///
/// To wire it in: `check` should let `speak`/`audio` through when
/// `settings.enabled`, `StoryService.generate` should hand the finished text
/// (`AnswerBuilder.Snapshot.text`) to the speaker (`speak`) or attach the rendered
/// audio to the answer (`audio`), and `speakEndpoint` should serve `GET /v1/speak`.
enum SpeechHooks {
    /// A refusal for a generation request that asks for speech, or nil if it does not.
    static func check(_ request: GenerationRequest, settings: SpeechSettings) -> APIError? {
        if request.speak {
            return .notImplemented("speech is not available on this server ('speak' must be false or absent)",
                                   param: "speak")
        }
        if request.audio {
            return .notImplemented("speech is not available on this server ('audio' must be false or absent)",
                                   param: "audio")
        }
        return nil
    }

    /// The answer to `GET /v1/speak`.
    static func speakEndpoint(settings: SpeechSettings) -> APIError {
        .notImplemented("speech is not available on this server")
    }
}
