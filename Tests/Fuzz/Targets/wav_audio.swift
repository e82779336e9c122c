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
        // Each phrase said alone is understood as the category it is read as first (a
        // phrase two rules list is read as the first, longest phrases before shorter).
        for phrase in grammar.phrases.prefix(16) {
            let said = phrase.words.joined(separator: " ")
            let request = StoryRequest(heard: said, grammar: grammar)
            let first = grammar.phrases.first { $0.words == phrase.words }!
            let names = first.category == .name || first.category == .animal || first.category == .person
            expect(request.isUnderstood == names, "'\(said)' (\(first.category.label)) understood: \(request.isUnderstood)")
            expect(request.opening.hasPrefix("Once upon a time,"), "opening '\(request.opening)'")
        }
    } catch {
        expect(!error.message.isEmpty, "an empty error message")
    }
}
