// The tokenizer loader on arbitrary files (llama2.c's tokenizer.bin format, parsed
// from memory as the file's mapping is): a clear LlamaError or a tokenizer that
// encodes and decodes text without fault, whatever its pieces and scores
// (duplicates, NaN, empty pieces, `<0x..>` spellings, fewer than 259 pieces).
import LlamaCore

/// Text with ASCII, a merge-heavy phrase, multi-byte characters, a byte-piece spelling and controls.
let sampleText = Array("Once upon a time, Lily saw a big dog. <0x41> café ünïcödé 🙂 \t\n\r\u{7F}".utf8)

func fuzz(_ input: [UInt8]) {
    let tokenizer: Tokenizer
    do {
        tokenizer = try load(input, vocabSize: 1)
    } catch {
        // The vocabulary size comes from the model; take the file's own when it says so.
        guard case .vocabularyMismatch(let size, _) = error, size > 0 else {
            expect(!error.message.isEmpty, "an empty error message")
            return
        }
        do {
            tokenizer = try load(input, vocabSize: size)
        } catch {
            // Only a vocabulary without BOS and EOS is refused once the sizes agree.
            guard case .invalidTokenizer = error, size < 3 else {
                fatalError("fuzz: property failed: a tokenizer of \(size) pieces does not load as \(size): \(error.message)")
            }
            return
        }
    }
    for bos in [false, true] {
        let tokens = sampleText.withUnsafeBufferPointer { tokenizer.encode(bytes: $0, bos: bos, eos: true) }
        var previous = Tokenizer.bos
        for token in tokens {
            expect(token >= 0 && token < tokenizer.vocabSize, "id \(token) outside a vocabulary of \(tokenizer.vocabSize)")
            _ = tokenizer.printable(previous: previous, token: token)
            previous = token
        }
    }
}

func load(_ input: [UInt8], vocabSize: Int) throws(LlamaError) -> Tokenizer {
    // withUnsafeBytes rethrows untyped errors: carry the LlamaError out in a Result.
    try input.withUnsafeBytes { bytes in
        Result { () throws(LlamaError) in try Tokenizer(bytes: bytes, vocabSize: vocabSize) }
    }.get()
}
