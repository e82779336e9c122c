// babyllama for the Milk-V Duo: run.c's command line over the same LlamaCore
// sources, compiled as Embedded Swift (the only Swift for riscv64) into one
// static binary. Built by deploy/cross-build.sh; the host CLI has the rest.
import CShim

/// Writes bytes to stdout.
func emit(_ bytes: ArraySlice<UInt8>) {
    bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(1, buffer.baseAddress! + offset, buffer.count - offset)
            if written <= 0 { return }
            offset += written
        }
    }
}

func emit(_ text: String) { emit(ArraySlice(text.utf8)) }

func fail(_ text: String) -> Never {
    let line = Array("babyllama: error: \(text)\n".utf8)
    line.withUnsafeBytes { _ = write(2, $0.baseAddress!, $0.count) }
    exit(1)
}

let usage = "usage: babyllama-duo CHECKPOINT [-t temp] [-p topp] [-s seed] [-n steps] [-i prompt] [-z tokenizer] [--threads N] [--kernels scalar|simd]"

func number(_ text: String) -> Double? {
    var end: UnsafeMutablePointer<CChar>? = nil
    let value = text.withCString { start -> Double? in
        let parsed = strtod(start, &end)
        return end != nil && end!.pointee == 0 && end! != UnsafeMutablePointer(mutating: start) ? parsed : nil
    }
    return value
}

@_cdecl("main")
func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    var arguments: [String] = []
    for i in 1..<Int(argc) {
        arguments.append(String(cString: argv[i]!))
    }
    if arguments.isEmpty { fail(usage) }
    let checkpointPath = arguments[0]
    var temperature: Float = 1.0
    var topP: Float = 0.9
    var seed: Int64 = 0
    var steps = 256
    var prompt = ""
    var tokenizerPath = "tokenizer.bin"
    var threads = 1
    var kernels = KernelChoice.scalar

    var index = 1
    while index < arguments.count {
        let flag = arguments[index]
        guard index + 1 < arguments.count else { fail("\(flag) needs a value\n\(usage)") }
        let value = arguments[index + 1]
        // Flags compare as bytes: String equality would pull in Unicode tables.
        switch Array(flag.utf8) {
        case Array("-t".utf8): temperature = Float(number(value) ?? .nan)
        case Array("-p".utf8): topP = Float(number(value) ?? .nan)
        case Array("-s".utf8): seed = Int64(number(value) ?? 0)
        case Array("-n".utf8): steps = Int(number(value) ?? 256)
        case Array("-i".utf8): prompt = value
        case Array("-z".utf8): tokenizerPath = value
        case Array("--threads".utf8): threads = Int(number(value) ?? 1)
        case Array("--kernels".utf8):
            if Array(value.utf8) == Array("simd".utf8) {
                kernels = .simd
            } else if Array(value.utf8) == Array("scalar".utf8) {
                kernels = .scalar
            } else {
                fail("--kernels takes simd or scalar")
            }
        default: fail("unknown option \(flag)\n\(usage)")
        }
        index += 2
    }
    if temperature.isNaN || topP.isNaN { fail("-t and -p take numbers") }

    do {
        let checkpoint = try Checkpoint(path: checkpointPath)
        // Scalar kernels by default: rv64gc has no vector unit Swift can use, so SIMD
        // types become scalar code anyway, and the scalar path is run.c's arithmetic.
        let transformer = try Transformer(checkpoint: checkpoint, pool: WorkerPool(threadCount: threads),
                                          kernels: kernels, batchCapacity: 8)
        let tokenizer = try Tokenizer(path: tokenizerPath, vocabSize: checkpoint.config.vocabSize)
        let seedBits = seed == 0 ? UInt64(UInt32(truncatingIfNeeded: shim_unix_time())) : UInt64(bitPattern: seed)
        var sampler = Sampler(vocabSize: checkpoint.config.vocabSize, temperature: temperature, topP: topP,
                              seed: seedBits)
        let promptTokens = tokenizer.encode(prompt, bos: true, eos: false)
        let result = try Generator(transformer: transformer).generate(
            promptTokens: promptTokens, steps: steps, sampler: &sampler
        ) { event in
            emit(tokenizer.printable(previous: event.previous, token: event.token))
            return true
        }
        emit("\n")
        let rate = Int(result.runTokensPerSecond * 1000)
        let line = Array("achieved tok/s: \(rate / 1000).\(rate % 1000)\n".utf8)
        line.withUnsafeBytes { _ = write(2, $0.baseAddress!, $0.count) }
    } catch {
        fail(error.message)
    }
    return 0
}
