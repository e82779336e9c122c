import CPosix
import LlamaCore
import StoryService
import Support

/// Tells a prompt set through one `GenerationBatch`: stories join as others leave,
/// in input order, up to `maxSequences` at once.
struct BatchRunner {
    let transformer: Transformer
    let tokenizer: Tokenizer
    let maxSequences: Int

    /// What a run produced: each story, in input order, and the whole run's wall time.
    struct Run {
        var stories: [BatchStory]
        var nanoseconds: UInt64
    }

    /// Runs every story; `finished` sees each as it ends.
    func run(_ stories: [BatchPromptSet.Story], finished: (BatchStory) -> Void) -> Run {
        let batch = GenerationBatch(transformer: transformer, maxSequences: maxSequences)
        let vocabSize = transformer.config.vocabSize
        let start = shim_monotonic_ns()
        var results = [BatchStory?](repeating: nil, count: stories.count)
        var next = 0
        withoutActuallyEscaping(finished) { finished in
            while next < stories.count || batch.activeCount > 0 {
                while next < stories.count && batch.hasRoom {
                    let index = next, story = stories[index]
                    next += 1
                    var text: [UInt8] = []
                    let joined = shim_monotonic_ns()
                    do throws(LlamaError) {
                        try batch.add(promptTokens: story.plan.promptTokens, steps: story.plan.steps,
                                      sampler: story.plan.sampler(vocabSize: vocabSize),
                                      onToken: { event in
                                          if !event.isPrompt {
                                              text += tokenizer.decode(previous: event.previous, token: event.token)
                                          }
                                          return true
                                      },
                                      onFinish: { result in
                                          let done = BatchStory(story: story, result: result, text: text,
                                                                queuedNanoseconds: joined - start,
                                                                finishedNanoseconds: shim_monotonic_ns() - start)
                                          results[index] = done
                                          finished(done)
                                      })
                    } catch {
                        let failed = BatchStory(story: story, error: error, finishedNanoseconds: shim_monotonic_ns() - start)
                        results[index] = failed
                        finished(failed)
                    }
                }
                batch.step()
            }
        }
        return Run(stories: results.map { $0! }, nanoseconds: shim_monotonic_ns() - start)
    }
}
