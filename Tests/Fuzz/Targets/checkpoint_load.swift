// The checkpoint loader on arbitrary files (llama2.c v0 fp32 and v2 Q8_0), written to
// a temporary file and mapped as `run` and `serve` map a model: a clear LlamaError or
// a checkpoint whose weights lie inside the file. A small enough model then runs a
// few positions (SIMD or scalar kernels, fp32 or fp16 weights, by the input's hash)
// and samples, whatever its weights hold (NaN, infinities, huge scales).
import Glibc
import LlamaCore
import LlamaKernels

let path = "/tmp/babyllama-fuzz-checkpoint-\(getpid()).bin"
let pool = WorkerPool(threadCount: 1)

func fuzz(_ input: [UInt8]) {
    write(input, to: path)
    defer { unlink(path) }
    let checkpoint: Checkpoint
    do {
        checkpoint = try Checkpoint(path: path)
    } catch {
        expect(!error.message.isEmpty, "an empty error message")
        return
    }
    let config = checkpoint.config
    expect(checkpoint.file.size == input.count, "the mapping is not the file")
    // Only shapes whose activations are small: a header's seq_len alone can ask for
    // gigabytes of attention scores (issue 14, item 3), which is not this target's business.
    let batch = 4
    guard config.vocabSize <= 4096, config.dim <= 1024, config.hiddenDim <= 4096, config.layerCount <= 8,
          batch * config.headCount * config.seqLen <= 1 << 22 else { return }
    let hash = input.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
    let kernels: KernelChoice = hash & 1 == 0 ? .simd : .scalar
    let weights: WeightMode = hash & 2 == 0 || checkpoint.format != .float32 ? .asStored : .float16
    let transformer: Transformer
    do {
        transformer = try Transformer(checkpoint: checkpoint, pool: pool, kernels: kernels, weightMode: weights,
                                      batchCapacity: batch, cacheCapacity: min(config.seqLen, 4))
    } catch {
        expect(!error.message.isEmpty, "an empty error message")
        return
    }
    let positions = min(config.seqLen, 4)
    var sampler = Sampler(vocabSize: config.vocabSize, temperature: 1, topP: 0.9, seed: hash | 1)
    var token = Tokenizer.bos % config.vocabSize
    for position in 0..<positions {
        let logits = transformer.forward(token: token, position: position)
        expect(logits.count >= config.vocabSize, "fewer logits than the vocabulary")
        let greedy = Sampler.argmax(UnsafeMutableBufferPointer(rebasing: logits[0..<config.vocabSize]))
        token = sampler.sample(logits)
        expect(greedy >= 0 && greedy < config.vocabSize && token >= 0 && token < config.vocabSize,
               "sampled token \(token) / argmax \(greedy) outside a vocabulary of \(config.vocabSize)")
    }
}

/// Writes `bytes` as the whole file at `path`.
func write(_ bytes: [UInt8], to path: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    expect(fd >= 0, "cannot create \(path)")
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        expect(written > 0, "cannot write \(path)")
        offset += written
    }
    close(fd)
}
