import CRiscvKernels

/// The C kernels `.simd` runs on riscv64 (Sources/CRiscvKernels), where the build
/// and the CPU choose between scalar and vector code.
public enum NativeKernels {
    /// Which of them run: "scalar", "rvv" or "xtheadvector", or a vector build's
    /// scalar fallback and why ("scalar (xtheadvector build; this CPU has no vector
    /// unit)"); nil where `.simd` is the Swift SIMD kernels (every other architecture).
    public static var variant: String? {
        #if arch(riscv64)
        return String(cString: riscv_kernels_variant())
        #else
        return nil
        #endif
    }
}
