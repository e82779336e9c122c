import LlamaCore

/// One configuration to measure.
struct BenchSetup {
    var kernels: KernelChoice
    var weightMode: WeightMode
    var threads: Int

    var name: String {
        let base = kernels == .scalar ? "scalar" : "simd"
        return weightMode == .float16 ? base + "-f16" : base
    }
}
