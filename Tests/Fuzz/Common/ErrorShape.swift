@testable import StoryService

/// Checks an error answer is one of `statuses` and that its body is the documented
/// `{"error": {"code", "type", "message"}}` (read back with the service's own parser).
func expectErrorShape(_ error: APIError, statuses: [Int], context: String) {
    expect(statuses.contains(error.status), "\(context): status \(error.status), expected one of \(statuses)")
    expect(!error.message.isEmpty, "\(context): empty error message")
    let body = error.body()
    guard let document = try? JSONDocument.parse(body) else {
        fatalError("fuzz: property failed: \(context): the error body is not JSON: \(String(decoding: body, as: UTF8.self))")
    }
    let inner = document.member("error")
    expect(inner?.member("code")?.integerValue == Int64(error.status), "\(context): error.code is not the status")
    expect(inner?.member("type")?.stringBytes.map { !$0.isEmpty } == true, "\(context): error.type missing")
    expect(inner?.member("message")?.stringBytes.map { !$0.isEmpty } == true, "\(context): error.message missing")
}
