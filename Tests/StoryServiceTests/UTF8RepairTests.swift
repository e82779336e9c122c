import StoryService
import XCTest

final class UTF8RepairTests: XCTestCase {
    func testValidTextPassesThrough() {
        let text = Array("Once upon a time, ünïcödé 日本 🦙".utf8)
        XCTAssertEqual(UTF8Repair.repaired(text), text)
    }
}
