import StoryService
import XCTest

/// `Config/duo.json` is what deploy/duo/install.sh puts on the board (with the
/// model's file names filled in): it must load with the server's own parser.
final class DuoConfigTests: XCTestCase {
    func testDuoConfigLoadsWithTheBoardsSettings() throws {
        let config = try ServiceConfig.load(path: Repo.path("Config/duo.json"))
        XCTAssertEqual(config.host, "192.168.42.1")
        XCTAssertEqual(config.port, 8080)
        XCTAssertEqual(config.checkpointPath, "/root/babyllama/stories260K.bin")
        XCTAssertEqual(config.tokenizerPath, "/root/babyllama/tok512.bin")
        XCTAssertEqual(config.threads, 1)
        // One story at a time by default: the board has 64 MB in all.
        XCTAssertEqual(config.maxBatch, 1)
        XCTAssertTrue(config.speech.enabled)
        XCTAssertEqual(config.speech.dataPath, "/root/babyllama/espeak-ng-data")
        // The server's SIGTERM grace must end before the init script's stop gives up (20 s).
        XCTAssertLessThan(config.shutdownGraceSeconds, 20)
    }
}
