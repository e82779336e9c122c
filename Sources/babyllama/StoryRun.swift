import CShim
import LlamaCore
import StorySpeech

/// `run` in generate mode, the same on the host and on the Duo (deploy/duo/build.sh
/// compiles this file into the Duo's entry point; it is Embedded-Swift clean):
/// run.c's output — the story on stdout as it is generated, tok/s on stderr — or
/// one JSON object with `json`. A speaker, if given, reads the story aloud.
struct StoryRun {
    let transformer: Transformer
    let tokenizer: Tokenizer
    let json: Bool

    /// run.c's seed: read as unsigned, and 0 means "from the clock".
    static func seedBits(_ seed: Int) -> UInt64 {
        seed == 0 ? UInt64(UInt32(truncatingIfNeeded: shim_unix_time())) : UInt64(bitPattern: Int64(seed))
    }

    func generate(prompt: String, steps: Int, sampler: inout Sampler, speaker: AlsaStorySpeaker?) throws(LlamaError) {
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
                standardError("achieved tok/s: \(fixed(result.runTokensPerSecond, 6))\n")
            }
        }
        // Generation is done; the speaker may still be talking. Wait for it.
        let spoken = speaker?.finish()
        if json {
            var out = "{\"tokens\":["
            for (index, token) in result.tokens.enumerated() {
                out += index == 0 ? "\(token)" : ",\(token)"
            }
            out += "],\"text\":" + JSONText.quoted(text) + ",\"prompt_tokens\":\(result.promptTokenCount)"
            out += ",\"tok_per_s\":" + fixed(result.runTokensPerSecond, 3)
            if let spoken { out += ",\"tts_ms\":" + fixed(spoken.synthesisMilliseconds, 1) }
            standardOutput(Array((out + "}\n").utf8))
        }
        if let spoken {
            standardError("tts ms: \(fixed(spoken.synthesisMilliseconds, 1))\n")
        }
    }
}
