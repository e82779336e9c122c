import LlamaCore
import XCTest

/// Asserts `body` throws exactly `expected`, with a one-line message.
func assertThrows<T>(_ expected: LlamaError, _ body: () throws(LlamaError) -> T,
                     file: StaticString = #filePath, line: UInt = #line) {
    assertThrows(body, file: file, line: line) { error in
        XCTAssertEqual(error, expected, file: file, line: line)
    }
}

/// Asserts `body` throws a `LlamaError` that passes `check`, with a one-line message.
func assertThrows<T>(_ body: () throws(LlamaError) -> T, file: StaticString = #filePath, line: UInt = #line,
                     _ check: (LlamaError) -> Void) {
    do {
        _ = try body()
        XCTFail("expected an error", file: file, line: line)
    } catch {
        XCTAssertFalse(error.message.isEmpty, file: file, line: line)
        XCTAssertFalse(error.message.contains("\n"), "message is one line: \(error.message)", file: file, line: line)
        check(error)
    }
}
