// POST /v1/generate and /v1/completions bodies, and `babyllama batch` lines: any bytes
// are a request or a 400/422 with the JSON error shape; an accepted request keeps
// every documented bound and plans against the bundled model or gets a 422.
@testable import StoryService
import Support
import LlamaCore

func fuzz(_ input: [UInt8]) {
    for dialect in [APIDialect.native, .openAICompletions] {
        let request: GenerationRequest
        do {
            request = try GenerationRequest.parse(input, dialect: dialect)
        } catch {
            expectErrorShape(error, statuses: [400, 422], context: "parse \(dialect)")
            continue
        }
        expect(!request.prompt.contains(0), "a prompt with NUL was accepted")
        expect(request.temperature >= 0 && request.temperature.isFinite, "temperature \(request.temperature)")
        expect(request.topP > 0 && request.topP <= 1, "top_p \(request.topP)")
        expect(request.maxTokens.map { $0 >= 1 } ?? true, "max_tokens \(String(describing: request.maxTokens))")
        expect(request.seed.map { $0 >= 1 && $0 <= GenerationRequest.maximumSeed } ?? true, "seed out of range")
        do {
            let plan = try GenerationPlan(request: request, tokenizer: BundledModel.tokenizer,
                                          config: BundledModel.config)
            expect(plan.promptTokens.first == Tokenizer.bos, "a plan's prompt does not start with BOS")
            let seqLen = BundledModel.config.seqLen
            expect(plan.promptTokens.count <= seqLen, "a prompt of \(plan.promptTokens.count) tokens was planned")
            expect(plan.maxTokens >= 1 && plan.maxTokens <= seqLen, "max_tokens \(plan.maxTokens) was planned")
            expect(plan.promptTokens.allSatisfy { $0 >= 0 && $0 < BundledModel.config.vocabSize }, "token id out of range")
        } catch {
            expectErrorShape(error, statuses: [422], context: "plan")
        }
    }
    let (id, line) = GenerationRequest.parseBatchLine(input)
    expect(JSONValue.array([id]).serialized().count >= 2, "batch id does not serialize")
    if case .failure(let error) = line { expectErrorShape(error, statuses: [400, 422], context: "batch line") }
}
