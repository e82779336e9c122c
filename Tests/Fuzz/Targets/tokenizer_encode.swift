// The tokenizer's encode (run.c's, with the heap merge loop) on arbitrary bytes, as
// an HTTP prompt reaches it, with the bundled models/tok512.bin: every id is in the
// vocabulary, BOS/EOS are where asked, and decoding the ids gives back the bytes
// (up to the first NUL, where run.c's C string ends) — except where the text spells
// a byte piece such as `<0x41>`, which run.c too merges into that byte.
import LlamaCore

func fuzz(_ input: [UInt8]) {
    let tokenizer = BundledModel.tokenizer
    let flags = input.first ?? 0
    let bos = flags & 1 != 0, eos = flags & 2 != 0
    let tokens = input.withUnsafeBufferPointer { tokenizer.encode(bytes: $0, bos: bos, eos: eos) }
    expect(tokens.allSatisfy { $0 >= 0 && $0 < tokenizer.vocabSize }, "an id outside the vocabulary")
    expect(!bos || tokens.first == Tokenizer.bos, "BOS missing")
    expect(!eos || tokens.last == Tokenizer.eos, "EOS missing")

    let text = input.prefix { $0 != 0 }
    let body = tokens[(bos ? 1 : 0)..<(tokens.count - (eos ? 1 : 0))]
    var decoded: [UInt8] = []
    var previous = Tokenizer.bos  // the dummy prefix's space is dropped as after BOS
    for token in body {
        decoded.append(contentsOf: tokenizer.decode(previous: previous, token: token))
        _ = tokenizer.printable(previous: previous, token: token)
        previous = token
    }
    if !containsBytePieceSpelling(text) {
        expect(decoded.elementsEqual(text), "decode(encode(text)) is not the text")
    }
}

/// True when `text` holds `<0x` (a byte piece's spelling could then be merged).
func containsBytePieceSpelling(_ text: ArraySlice<UInt8>) -> Bool {
    let marker = Array("<0x".utf8)
    guard text.count >= marker.count else { return false }
    var index = text.startIndex
    while index + marker.count <= text.endIndex {
        if text[index..<(index + marker.count)].elementsEqual(marker) { return true }
        index += 1
    }
    return false
}
