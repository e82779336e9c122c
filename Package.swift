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
    .unsafeFlags(["-wmo"], .when(configuration: .release)),
]

// The kernels index with Int arithmetic in their innermost loops, where overflow
// checks cost 8-15% (and 5x in the scalar reference). They are handed shapes the
// engine has validated (token ids, positions, prompt length, file sizes), so the
// kernels alone drop the checks; everything else, the engine's graph, checkpoint
// parser and tokenizer included (it reads HTTP prompts), keeps them.
let kernels: [SwiftSetting] = [
    .unsafeFlags(cpuFlags),
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
]

let package = Package(
    name: "BabyLlama",
    products: [
        .executable(name: "babyllama", targets: ["babyllama"]),
        .library(name: "LlamaCore", targets: ["LlamaCore"]),
        .library(name: "StorySpeech", targets: ["StorySpeech"]),
        .library(name: "StoryListening", targets: ["StoryListening"]),
        .library(name: "StoryService", targets: ["StoryService"]),
    ],
    targets: [
        .target(name: "CPosix"),
        // The helpers the libraries share, one of each (Embedded-Swift clean).
        .target(name: "Support", dependencies: ["CPosix"], swiftSettings: optimized),
        // The Duo's riscv64 matmul kernels (scalar C; vector assembly for RVV 1.0 and the
        // C906's XTheadVector) and their plain references; every file is empty on other
        // architectures. The vector source is assembled by scripts/build-duo.sh only.
        .target(name: "CRiscvKernels", exclude: ["riscv_kernels_vector.S", "riscv_vector_mapping.md"]),
        // x86-64's decode kernels in 512-bit vectors, chosen at run time where the CPU has
        // AVX-512 (the build targets Haswell); empty on other architectures.
        .target(name: "CX86Kernels"),
        // The numeric kernels (fp32, fp16, Q8_0, attention, norms; the matmul dispatch),
        // apart from the graph that runs them (LlamaCore's Transformer), as ggml keeps them.
        .target(name: "LlamaKernels", dependencies: ["CPosix", "CRiscvKernels", "CX86Kernels"], swiftSettings: kernels),
        .target(name: "LlamaCore", dependencies: ["CPosix", "Support", "LlamaKernels"], swiftSettings: optimized),
        // The C libraries of speech and the service are not linked: each of these targets
        // exposes its library's header and defines the functions the project calls as
        // forwarders that dlopen the library at the first call (Sources/CLazyLibrary), so
        // `run` and `bench` never map them (nor the ~45 libraries they pull in).
        // Building needs the -dev packages' headers; running needs only the libraries.
        .target(name: "CLazyLibrary"),
        // Speech: espeak-ng synthesizes into memory, ALSA plays on the board's speaker.
        .target(name: "CEspeak", dependencies: ["CLazyLibrary"]),   // libespeak-ng-dev
        .target(name: "CAlsa", dependencies: ["CLazyLibrary"]),     // libasound2-dev
        .target(name: "StorySpeech", dependencies: ["CPosix", "Support", "CEspeak", "CAlsa"], swiftSettings: optimized),
        // Listening: pocketsphinx decodes spoken story requests with a small grammar
        // (Config/listen); ALSA records them.
        .target(name: "CPocketSphinx", dependencies: ["CLazyLibrary"]),   // libpocketsphinx-dev
        .target(name: "StoryListening", dependencies: ["CPosix", "Support", "CPocketSphinx", "CAlsa"],
                swiftSettings: optimized),
        // The HTTP service's C libraries, from Debian's packages (headers in /usr/include).
        .target(name: "CMicroHTTPD", dependencies: ["CLazyLibrary"]),   // libmicrohttpd-dev
        .target(name: "CJansson", dependencies: ["CLazyLibrary"]),      // libjansson-dev
        // Embedded-Swift clean, like LlamaCore (scripts/check-embedded-service.sh).
        .target(name: "StoryService", dependencies: ["LlamaCore", "StorySpeech", "StoryListening", "Support", "CPosix", "CMicroHTTPD", "CJansson"],
                swiftSettings: optimized),
        // The command line, one definition for the host and the Duo (Embedded-Swift clean).
        .target(name: "BabyLlamaCLI", dependencies: ["LlamaCore", "CPosix", "Support", "StorySpeech", "StoryListening",
                                                     "StoryService"],
                swiftSettings: optimized),
        .executableTarget(name: "babyllama", dependencies: ["BabyLlamaCLI", "CPosix"], swiftSettings: optimized),
        // The Duo's entry point and what its static link adds (scripts/build-duo.sh
        // compiles them as Embedded Swift for riscv64); the host build compiles them
        // too, so what breaks them breaks `swift build`.
        .target(name: "BabyLlamaDuo", dependencies: ["BabyLlamaCLI"], swiftSettings: optimized),
        .target(name: "CLinkedLibraries"),
        // What several test targets share: the repository's files, the golden data, the
        // random models, WAV reading, and the one helper that runs the built binary.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "LlamaCoreTests", dependencies: ["LlamaCore", "LlamaKernels", "TestSupport"], swiftSettings: optimized),
        .testTarget(name: "StorySpeechTests", dependencies: ["StorySpeech", "TestSupport"], swiftSettings: optimized),
        .testTarget(name: "StoryListeningTests", dependencies: ["StoryListening", "Support", "TestSupport"],
                    swiftSettings: optimized),
        .testTarget(name: "StoryServiceTests", dependencies: ["StoryService", "StorySpeech", "Support", "LlamaCore", "TestSupport"],
                    swiftSettings: optimized),
        .testTarget(name: "SupportTests", dependencies: ["Support"], swiftSettings: optimized),
        // The command line, end to end through the built binary.
        .testTarget(name: "BabyLlamaCLITests", dependencies: ["TestSupport"], swiftSettings: optimized),
    ]
)
