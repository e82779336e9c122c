import CRiscvKernels

/// The one place a matmul chooses its kernel, by weight storage (fp32, fp16, Q8_0)
/// × kernel choice (fast or scalar reference) × architecture (riscv64 runs the C
/// kernels of CRiscvKernels, since Swift's SIMD types become slow scalar code on
/// rv64gc). Like the kernels it runs on the calling thread, over a range of rows:
/// the forward pass splits rows across its worker pool.
public enum Matmul {
    /// `out[b][i] = W[i] · input[b]` for the rows `rows` of `w` and every vector of
    /// the batch. Rows outside `rows` are left alone.
    public static func multiply(_ out: VectorBatch, _ input: MatmulInput, _ w: WeightMatrix,
                                rows: Range<Int>, kernels: KernelChoice) {
        switch kernels {
        case .simd: fast(out, input, w, rows: rows)
        case .scalar: reference(out, input, w, rows: rows)
        }
    }

    /// The fast kernels: the riscv64 C ones where they exist, the SIMD Swift ones elsewhere.
    private static func fast(_ out: VectorBatch, _ input: MatmulInput, _ w: WeightMatrix, rows: Range<Int>) {
        #if arch(riscv64)
        if riscv(out, input, w, rows: rows) { return }
        #endif
        switch w.storage {
        case .float32(let base):
            FloatKernels.matmul(out, input.floats, base, cols: w.cols, rows: rows)
        case .q8(let values, let scales, _):
            QuantizedKernels.matmul(out, input.quantized!, count: input.floats.count, values: values,
                                    scales: scales, cols: w.cols, rows: rows)
        case .float16(let base):
            HalfKernels.matmul(out, input.floats, base, cols: w.cols, rows: rows)
        }
    }

    /// The scalar reference kernels: run.c's (runq.c's) arithmetic step for step,
    /// one vector at a time. They take whole matrices, so the row range is passed as
    /// pointers to its first row (a row's Q8_0 scales start at `row · cols / groupSize`:
    /// `cols` is a whole number of groups).
    private static func reference(_ out: VectorBatch, _ input: MatmulInput, _ w: WeightMatrix, rows: Range<Int>) {
        let cols = w.cols, first = rows.lowerBound
        for b in 0..<input.floats.count {
            switch w.storage {
            case .float32(let base):
                FloatKernels.matmulReference(out[b] + first, input.floats[b], base + first * cols,
                                             rows: rows.count, cols: cols)
            case .q8(let values, let scales, let groupSize):
                QuantizedKernels.matmulReference(out[b] + first, input.quantized![b], values: values + first * cols,
                                                 scales: scales + first * (cols / groupSize),
                                                 rows: rows.count, cols: cols)
            case .float16(let base):
                HalfKernels.matmulReference(out[b] + first, input.floats[b], base + first * cols,
                                            rows: rows.count, cols: cols)
            }
        }
    }

    #if arch(riscv64)
    /// The Duo's fast path: C kernels written for riscv64 (Sources/CRiscvKernels:
    /// scalar code tuned for the in-order C906, or RVV 1.0). Q8_0 stays bit-exact with
    /// runq.c; fp32 sums in another order. Blocks of rows small enough to stay in the
    /// L1 cache go through every vector of a batch before the next block is read.
    /// False for fp16 weights, which have no C kernel (the Swift one runs).
    private static func riscv(_ out: VectorBatch, _ input: MatmulInput, _ w: WeightMatrix, rows: Range<Int>) -> Bool {
        let cols = w.cols
        let rowBytes: Int
        switch w.storage {
        case .float32: rowBytes = 4 * cols
        case .q8: rowBytes = cols
        case .float16: return false
        }
        let blockRows = max(4, (16 * 1024 / rowBytes) & ~3)
        var start = rows.lowerBound
        while start < rows.upperBound {
            let count = min(blockRows, rows.upperBound - start)
            for b in 0..<input.floats.count {
                switch w.storage {
                case .float32(let base):
                    riscv_matvec_f32(out[b] + start, UnsafePointer(input.floats[b]), base + start * cols,
                                     count, cols)
                case .q8(let values, let scales, let groupSize):
                    let x = input.quantized![b]
                    riscv_matvec_q8(out[b] + start, UnsafePointer(x.values), UnsafePointer(x.scales),
                                    values + start * cols, scales + start * (cols / groupSize),
                                    count, cols, groupSize)
                case .float16:
                    return false
                }
            }
            start += count
        }
        return true
    }
    #endif
}
