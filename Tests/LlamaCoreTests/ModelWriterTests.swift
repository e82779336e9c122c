import LlamaCore
import XCTest

/// The Swift port of make_model.py must write the golden models byte for byte.
final class ModelWriterTests: XCTestCase {
    private func sha256(ofFile path: String) throws -> String {
        let file = try MappedFile(path: path)
        return SHA256.hex(of: file.bytes)
    }

    func testStories15MShapeSeed1MatchesPythonScript() throws {
        XCTAssertEqual(try sha256(ofFile: TestModels.m15.path), TestModels.m15.sha256)
    }

    func testQ8FromVersion0MatchesPythonScript() throws {
        XCTAssertEqual(try sha256(ofFile: TestModels.m15q.path), TestModels.m15q.sha256)
    }

    func testTinyUnsharedMatchesPythonScript() throws {
        XCTAssertEqual(try sha256(ofFile: TestModels.tinyUnshared.path), TestModels.tinyUnshared.sha256)
    }

    func testBundledFilesAreIntact() throws {
        XCTAssertEqual(try sha256(ofFile: TestModels.stories260K.path), TestModels.stories260K.sha256)
        XCTAssertEqual(try sha256(ofFile: Repository.model("tok512.bin")),
                       "037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312")
        XCTAssertEqual(try sha256(ofFile: Repository.model("tokenizer.bin")),
                       "50a52ef822ee9e83de5ce9d0be0a025a773d019437f58b5ff9dcafb063ece361")
    }

    func testEngineReadsWrittenShapes() throws {
        let v0 = try Checkpoint(path: TestModels.m15.path)
        XCTAssertEqual(v0.config, ModelConfig(dim: 288, hiddenDim: 768, layerCount: 6, headCount: 6, kvHeadCount: 6,
                                              vocabSize: 32000, seqLen: 256))
        XCTAssertEqual(v0.format, .float32)
        XCTAssertTrue(v0.sharedClassifier)
        let v2 = try Checkpoint(path: TestModels.m15q.path)
        XCTAssertEqual(v2.config, v0.config)
        XCTAssertEqual(v2.format, .q8(groupSize: 32))
        let unshared = try Checkpoint(path: TestModels.tinyUnshared.path)
        XCTAssertFalse(unshared.sharedClassifier)
        XCTAssertEqual(unshared.config.kvHeadCount, 2)
    }

    /// The group size back-off of write_v2: 64 halved until it divides dim.
    func testGroupSizeBackOff() {
        XCTAssertEqual(ModelWriter.groupSize(dim: 288), 32)
        XCTAssertEqual(ModelWriter.groupSize(dim: 64), 64)
        XCTAssertEqual(ModelWriter.groupSize(dim: 48), 16)
        XCTAssertEqual(ModelWriter.groupSize(dim: 40), 8)
        XCTAssertEqual(ModelWriter.groupSize(dim: 6), 2)
    }

    /// numpy rounds half to even; runq.c's activations round half away from zero.
    func testWeightQuantizationRoundsHalfToEven() {
        // scale = 127/127 = 1, so w / scale is w itself.
        let (values, scales) = ModelWriter.quantize([127, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3], groupSize: 8)
        XCTAssertEqual(scales, [1])
        XCTAssertEqual(values, [127, 0, 2, 2, 0, -2, -2, 3])
    }
}
