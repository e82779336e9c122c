import LlamaCore
import XCTest

/// Every encode.jsonl case: run.c's `encode()` ids, exactly.
final class GoldenEncodeTests: XCTestCase {
    func testEveryCaseGivesExactlyItsIDs() throws {
        let cases = try Golden.encodeCases()
        XCTAssertEqual(cases.count, 39)
        var tokenizers: [String: Tokenizer] = [:]
        for testCase in cases {
            let key = "\(testCase.tokenizer)/\(testCase.vocab_size)"
            if tokenizers[key] == nil {
                tokenizers[key] = try Tokenizer(path: Repository.model(testCase.tokenizer), vocabSize: testCase.vocab_size)
            }
            let ids = tokenizers[key]!.encode(testCase.text, bos: testCase.bos, eos: testCase.eos)
            XCTAssertEqual(ids, testCase.ids, "\(testCase.tokenizer): \(testCase.text.debugDescription)")
        }
        XCTAssertEqual(Set(cases.map(\.vocab_size)), [512, 32000], "both tokenizers are covered")
    }
}
