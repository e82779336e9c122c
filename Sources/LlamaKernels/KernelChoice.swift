/// Which implementation of the kernels runs: the fast ones, or the scalar
/// references they are tested against.
public enum KernelChoice: Equatable, Sendable {
    /// SIMD kernels (the C kernels on riscv64), split over the worker pool: the fast path.
    case simd
    /// The scalar reference kernels on one thread, summing in run.c's order, so
    /// fp32 results equal run.c's (built without fast-math) bit for bit.
    case scalar
}
