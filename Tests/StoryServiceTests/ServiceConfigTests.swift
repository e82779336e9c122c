import StoryService
import StorySpeech
import XCTest

final class ServiceConfigTests: XCTestCase {
    func testShippedConfigHoldsTheDefaults() throws {
        let config = try ServiceConfig.load(path: Repo.path("Config/babyllama.json"))
        XCTAssertEqual(config, ServiceConfig())
        XCTAssertEqual(config.host, "127.0.0.1")
        XCTAssertEqual(config.port, 8080)
        XCTAssertEqual(config.checkpointPath, "models/stories260K.bin")
        XCTAssertEqual(config.tokenizerPath, "models/tok512.bin")
        XCTAssertEqual(config.maxBatch, 4)
        XCTAssertEqual(config.speech, SpeechSettings(enabled: false, voice: "en-us", rate: 175, volume: 100,
                                                     audioDevice: "default", dataPath: nil, maximumTextBytes: 2048))
    }

    func testMembersOverrideDefaults() throws {
        let config = try ServiceConfig.parse(Array(#"""
            {"server": {"host": "192.168.42.1", "port": 9000}, "model": {"threads": 1},
             "limits": {"queue_size": 2, "max_batch": 8, "max_body_bytes": 1024},
             "speech": {"enabled": true, "rate": 150, "voice": "en-gb+f3", "volume": 80, "audio_device": "plughw:0,0",
                        "data_path": "/usr/share/espeak-ng-data", "max_text_bytes": 500}}
            """#.utf8), source: "test")
        XCTAssertEqual(config.host, "192.168.42.1")
        XCTAssertEqual(config.port, 9000)
        XCTAssertEqual(config.threads, 1)
        XCTAssertEqual(config.queueSize, 2)
        XCTAssertEqual(config.maxBatch, 8)
        XCTAssertEqual(config.maxBodyBytes, 1024)
        XCTAssertTrue(config.speech.enabled)
        XCTAssertEqual(config.speech.rate, 150)
        XCTAssertEqual(config.speech.voice, "en-gb+f3")
        XCTAssertEqual(config.speech.volume, 80)
        XCTAssertEqual(config.speech.audioDevice, "plughw:0,0")
        XCTAssertEqual(config.speech.dataPath, "/usr/share/espeak-ng-data")
        XCTAssertEqual(config.speech.maximumTextBytes, 500)
        XCTAssertEqual(config.checkpointPath, "models/stories260K.bin")
    }

    func testBadConfigsAreRejectedWithTheirReason() {
        let cases: [(String, String)] = [
            ("{", "malformed JSON"),
            ("[]", "must be an object"),
            (#"{"server": {"hots": "x"}}"#, "unknown setting 'server.hots'"),
            (#"{"server": {"port": "80"}}"#, "'server.port' must be an integer"),
            (#"{"server": {"port": 70000}}"#, "port must be between 0 and 65535"),
            (#"{"limits": {"queue_size": -1}}"#, "queue_size"),
            (#"{"limits": {"max_batch": 0}}"#, "max_batch must be between 1 and 64"),
            (#"{"limits": {"max_batch": 65}}"#, "max_batch must be between 1 and 64"),
            (#"{"limits": {"max_batch": 2.5}}"#, "'limits.max_batch' must be an integer"),
            (#"{"server": {"thread_stack_kib": 64}}"#, "thread_stack_kib must be between 128 and 65536"),
            (#"{"speech": {"enabled": "no"}}"#, "'speech.enabled' must be true or false"),
            (#"{"speech": {"pitch": 50}}"#, "unknown setting 'speech.pitch'"),
            (#"{"speech": {"rate": 20}}"#, "speech.rate must be between 80 and 450"),
            (#"{"speech": {"volume": 201}}"#, "speech.volume must be between 0 and 200"),
            (#"{"speech": {"voice": "en us"}}"#, "'en us' is not a voice name"),
            (#"{"speech": {"audio_device": ""}}"#, "speech.audio_device must not be empty"),
            (#"{"speech": {"max_text_bytes": 0}}"#, "speech.max_text_bytes must be between 1 and 65536"),
            (#"{"models": {}}"#, "unknown setting 'models'"),
        ]
        for (text, expected) in cases {
            do {
                _ = try ServiceConfig.parse(Array(text.utf8), source: "cfg.json")
                XCTFail("accepted \(text)")
            } catch {
                XCTAssertTrue(error.message.hasPrefix("cfg.json: "), error.message)
                XCTAssertTrue(error.message.contains(expected), "\(text): \(error.message)")
            }
        }
    }

    func testMissingFileIsAnError() {
        XCTAssertThrowsError(try ServiceConfig.load(path: "/nonexistent/babyllama.json"))
    }
}
