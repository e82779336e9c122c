import LlamaCore

/// run.c's `-m chat` loop: Llama 2 chat templates, a sample at every position,
/// user turns read from stdin. The stories models are not chat models; this is
/// here so run.c's command line works unchanged.
struct ChatSession {
    let transformer: Transformer
    let tokenizer: Tokenizer

    func run(sampler: inout Sampler, userPrompt: String?, systemPrompt: String?, steps: Int) throws(LlamaError) {
        let steps = Generator(transformer: transformer).clampedSteps(steps)
        var promptTokens: [Int] = []
        var userIndex = 0
        var userTurn = true
        var next = 0
        var position = 0
        while position < steps {
            if userTurn {
                var system = ""
                if position == 0 { system = systemPrompt ?? (readLine(prompt: "Enter system prompt (optional): ") ?? "") }
                let user: String
                if position == 0, let userPrompt {
                    user = userPrompt
                } else {
                    guard let line = readLine(prompt: "User: ") else { break }
                    user = line
                }
                let rendered = position == 0 && !system.isEmpty
                    ? "[INST] <<SYS>>\n\(system)\n<</SYS>>\n\n\(user) [/INST]"
                    : "[INST] \(user) [/INST]"
                promptTokens = tokenizer.encode(rendered, bos: true, eos: false)
                if position + promptTokens.count > transformer.config.seqLen {
                    throw LlamaError.promptTooLong(tokens: position + promptTokens.count,
                                                   limit: transformer.config.seqLen)
                }
                userIndex = 0
                userTurn = false
                standardOutput(Array("Assistant: ".utf8))
            }
            let token: Int
            if userIndex < promptTokens.count {
                token = promptTokens[userIndex]
                userIndex += 1
            } else {
                token = next
            }
            if token == Tokenizer.eos { userTurn = true }
            let logits = transformer.forward(token: token, position: position)
            next = sampler.sample(logits)
            position += 1
            if userIndex >= promptTokens.count && next != Tokenizer.eos {
                standardOutput(tokenizer.printable(previous: token, token: next))
            }
            if next == Tokenizer.eos { standardOutput([UInt8(ascii: "\n")]) }
        }
        standardOutput([UInt8(ascii: "\n")])
    }

    private func readLine(prompt: String) -> String? {
        standardOutput(Array(prompt.utf8))
        return readStandardInputLine()
    }
}
