// babyllama on the host: the shared command line (Sources/BabyLlamaCLI), which
// the Duo's entry point (Sources/BabyLlamaDuo) runs too.
import BabyLlamaCLI
import CShim

exit(BabyLlamaTool.main(Array(CommandLine.arguments.dropFirst())))
