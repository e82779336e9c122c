// babyllama for the Milk-V Duo: the same command line as the host's
// (Sources/BabyLlamaCLI), compiled as Embedded Swift — the only Swift for riscv64
// Linux, which has no `CommandLine` — into one static binary by
// scripts/build-duo.sh. The host build compiles this target too, so a change that
// breaks it fails `swift build`.
import BabyLlamaCLI

@_cdecl("main")
func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    var arguments: [String] = []
    for index in 1..<Int(max(argc, 1)) {
        arguments.append(String(cString: argv[index]!))
    }
    return BabyLlamaTool.main(arguments)
}
