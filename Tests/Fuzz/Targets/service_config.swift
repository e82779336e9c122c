// The service's configuration file (Config/babyllama.json's format): any bytes are a
// configuration that passes `validate()` (every documented bound) or one clear ServiceError.
@testable import StoryService

func fuzz(_ input: [UInt8]) {
    do {
        let config = try ServiceConfig.parse(input, source: "fuzz.json")
        do {
            try config.validate()
        } catch {
            fatalError("fuzz: property failed: a parsed configuration does not validate: \(error.message)")
        }
    } catch {
        expect(!error.message.isEmpty, "an empty error message")
    }
}
