// swift-tools-version:6.0
import PackageDescription

// Release builds name the CPU so SIMD code becomes AVX2/FMA (without it Swift's
// `addProduct` is a call to a software fmaf). The binary needs an x86-64-v3 CPU
// (Haswell / Zen or newer); other architectures build for their baseline.
#if arch(x86_64)
let cpuFlags: [String] = ["-Xcc", "-march=haswell", "-target-cpu", "haswell"]
#else
let cpuFlags: [String] = []
#endif

let optimized: [SwiftSetting] = [
    .unsafeFlags(cpuFlags),
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
]

let package = Package(
    name: "BabyLlama",
    products: [
        .executable(name: "babyllama", targets: ["babyllama"]),
        .library(name: "LlamaCore", targets: ["LlamaCore"]),
        .library(name: "StorySpeech", targets: ["StorySpeech"]),
        .library(name: "StoryService", targets: ["StoryService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "CShim"),
        .target(name: "LlamaCore", dependencies: ["CShim"], swiftSettings: optimized),
        // Speech: espeak-ng synthesizes into memory, ALSA plays on the board's speaker.
        .systemLibrary(name: "CEspeak", pkgConfig: "espeak-ng", providers: [.apt(["libespeak-ng-dev"])]),
        .systemLibrary(name: "CAlsa", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .target(name: "StorySpeech", dependencies: ["CShim", "CEspeak", "CAlsa"], swiftSettings: optimized),
        // The HTTP service's C libraries, from Debian's packages (headers in /usr/include).
        .systemLibrary(name: "CMicroHTTPD", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CJansson", providers: [.apt(["libjansson-dev"])]),
        // Embedded-Swift clean, like LlamaCore (scripts/check-embedded-service.sh).
        .target(name: "StoryService", dependencies: ["LlamaCore", "StorySpeech", "CShim", "CMicroHTTPD", "CJansson"],
                swiftSettings: optimized),
        .executableTarget(
            name: "babyllama",
            dependencies: [
                "LlamaCore", "CShim", "StorySpeech", "StoryService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: optimized),
        .testTarget(
            name: "LlamaCoreTests",
            dependencies: ["LlamaCore"],
            exclude: [],
            swiftSettings: optimized),
        .testTarget(
            name: "StorySpeechTests",
            dependencies: ["StorySpeech"],
            swiftSettings: optimized),
        .testTarget(
            name: "StoryServiceTests",
            dependencies: ["StoryService", "StorySpeech", "LlamaCore"],
            swiftSettings: optimized),
    ]
)
