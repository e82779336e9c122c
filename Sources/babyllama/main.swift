// babyllama on the host: the shared command line (Sources/BabyLlamaCLI), which
// the Duo's entry point (Sources/BabyLlamaDuo) runs too.
import BabyLlamaCLI
import CPosix

exit(BabyLlamaTool.main(Array(CommandLine.arguments.dropFirst())))
