// The WAV reader (`listen --in`, POST /v1/listen, prompt_audio) on arbitrary bytes,
// resampling included: a clear ListenError with a 4xx status, or 16 kHz mono audio
// of no more than the seconds allowed. The same bytes read as a JSGF grammar: an
// error, or phrases that are words, which a request made of them is understood by.
import StoryListening

let maximumSeconds = 2

func fuzz(_ input: [UInt8]) {
    do {
        let audio = try RecordedAudio.fromWAV(input, maximumSeconds: maximumSeconds)
        expect(!audio.samples.isEmpty, "audio without samples was accepted")
        expect(audio.seconds <= Double(maximumSeconds) + 0.01, "\(audio.seconds) s accepted, the limit is \(maximumSeconds)")
    } catch {
        expect([400, 413, 415, 422].contains(error.httpStatus), "WAV error with status \(error.httpStatus): \(error.message)")
        expect(!error.message.isEmpty, "an empty error message")
    }
    do {
        let grammar = try StoryGrammar(jsgf: input)
        expect(!grammar.phrases.isEmpty, "a grammar with no phrases was accepted")
        let said = grammar.phrases.prefix(8).map { $0.words.joined(separator: " ") }.joined(separator: " and a ")
        let request = StoryRequest(heard: said, grammar: grammar)
        if grammar.phrases.prefix(8).contains(where: { [.name, .animal, .person].contains($0.category) }) {
            expect(request.isUnderstood, "'\(said)' names a character but was not understood")
        }
        expect(request.opening.hasPrefix("Once upon a time,"), "opening '\(request.opening)'")
    } catch {
        expect(!error.message.isEmpty, "an empty error message")
    }
}
