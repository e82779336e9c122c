import CPosix
import LlamaCore
import StoryListening
import StorySpeech
import Support

/// `run` in generate mode: run.c's output — the story on stdout as it is generated, tok/s on stderr — or
/// one JSON object with `json`. A speaker, if given, reads the story aloud.
struct StoryRun {
    let transformer: Transformer
    let tokenizer: Tokenizer
    let json: Bool

    /// run.c's seed: read as unsigned, and 0 means "from the clock".
    static func seedBits(_ seed: Int) -> UInt64 {
        seed == 0 ? UInt64(UInt32(truncatingIfNeeded: shim_unix_time())) : UInt64(bitPattern: Int64(seed))
    }

    func generate(prompt: String, steps: Int, sampler: inout Sampler, speaker: AlsaStorySpeaker?,
                  heard: Recognition? = nil) throws(LlamaError) {
        let promptTokens = tokenizer.encode(prompt, bos: true, eos: false)
        var text: [UInt8] = []
        let result = try Generator(transformer: transformer).generate(
            promptTokens: promptTokens, steps: steps, sampler: &sampler
        ) { event in
            let piece = tokenizer.printable(previous: event.previous, token: event.token)
            speaker?.append(piece)
            if json {
                text.append(contentsOf: piece)
            } else {
                standardOutput(piece)
            }
            return true
        }
        if !json {
            standardOutput([UInt8(ascii: "\n")])
            if result.tokens.count > 1 {
                StandardError.writeLine("achieved tok/s: \(FixedDecimal.format(result.runTokensPerSecond, decimals: 6))")
            }
        }
        // Generation is done; the speaker may still be talking. Wait for it.
        let spoken = speaker?.finish()
        if json {
            var members: [(String, JSONValue)] = [
                ("tokens", .array(result.tokens.map { .int($0) })), ("text", .bytes(text)),
                ("prompt_tokens", .int(result.promptTokenCount)), ("tok_per_s", .double(result.runTokensPerSecond)),
            ]
            if let spoken { members.append(("tts_ms", .double(spoken.synthesisMilliseconds))) }
            if let heard {
                members.append(("prompt", .string(prompt)))
                members.append(("heard", heard.json))
                members.append(("stt_ms", .double(heard.sttMilliseconds)))
            }
            standardOutput(JSONValue.object(members).serialized() + [UInt8(ascii: "\n")])
        }
        if let spoken {
            StandardError.writeLine("tts ms: \(FixedDecimal.format(spoken.synthesisMilliseconds, decimals: 1))")
        }
    }
}
