// libFuzzer's entry points for every target: each target file in ../Targets defines
// `func fuzz(_ input: [UInt8])`, and scripts/fuzz.sh links it with this file into
// .build-fuzz/NAME. The file is host-only test code (not in the Embedded build).
@testable import StoryService

/// One input, handed to the target. Returning normally means the input was handled;
/// a crash, a sanitizer report or a failed `expect` is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzz(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// Runs once before the first input: jansson must load through the lazy forwarders
/// (CJansson), as in the product, or every JSON target would only see its errors.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<CInt>?,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    do {
        try requireJansson()
    } catch {
        fatalError("fuzz: jansson does not load in the fuzz build: \(error.message)")
    }
    return 0
}

/// A property every input must keep; a failure aborts with `message` (libFuzzer
/// then saves the input as a crash).
func expect(_ condition: Bool, _ message: @autoclosure () -> String,
            file: StaticString = #file, line: UInt = #line) {
    if !condition { fatalError("fuzz: property failed: \(message())", file: file, line: line) }
}
