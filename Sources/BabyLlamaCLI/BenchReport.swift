import LlamaCore
import Support

/// `bench`'s output: a table, or one JSON object.
struct BenchReport {
    let checkpoint: Checkpoint
    let steps: Int
    let promptTokens: Int
    let runs: Int
    let results: [BenchResult]

    private var scalar: BenchResult? { results.first { $0.setup.kernels == .scalar } }

    func json() -> String {
        let items: [JSONValue] = results.map { result in
            var members: [(String, JSONValue)] = [
                ("name", .string(result.setup.name)),
                ("threads", .int(result.setup.threads)),
                ("decode_tok_s", .double(result.decode.median)),
                ("decode_tok_s_min", .double(result.decode.minimum)),
                ("decode_tok_s_max", .double(result.decode.maximum)),
                ("ms_per_token", .double(1000 / result.decode.median)),
                ("prefill_tok_s", .double(result.prefill.median)),
                ("weight_bytes_per_token", .int(result.weightBytesPerToken)),
                ("weight_gb_per_s", .double(Double(result.weightBytesPerToken) * result.decode.median / 1e9)),
                ("stream_read_gb_per_s", .double(result.streamReadBytesPerSecond / 1e9)),
                ("rss_mib", .double(Double(result.residentKiB) / 1024)),
                ("peak_rss_mib", .double(Double(result.peakResidentKiB) / 1024)),
            ]
            if let scalar {
                members.append(("decode_ratio_vs_scalar", .double(result.decode.median / scalar.decode.median)))
                if scalar.prefill.median > 0 {
                    members.append(("prefill_ratio_vs_scalar", .double(result.prefill.median / scalar.prefill.median)))
                }
            }
            return .object(members)
        }
        var report: [(String, JSONValue)] = [
            ("model", .string(checkpoint.path)),
            ("format", .string(checkpoint.format.name)),
            ("file_bytes", .int(checkpoint.file.size)),
            ("steps", .int(steps)), ("prompt_tokens", .int(promptTokens)), ("runs", .int(runs)),
            ("results", .array(items)),
        ]
        if let variant = NativeKernels.variant { report.append(("riscv_kernels", .string(variant))) }
        return String(decoding: JSONValue.object(report).serialized(), as: UTF8.self) + "\n"
    }

    func text() -> String {
        let config = checkpoint.config
        var out = "model: \(checkpoint.path) (\(checkpoint.format.name), dim \(config.dim), \(config.layerCount) layers, "
            + "\(config.headCount)/\(config.kvHeadCount) heads, vocab \(config.vocabSize), "
            + "seq \(config.seqLen)), \(FixedDecimal.format(Double(checkpoint.file.size) / 1e6, decimals: 1)) MB\n"
        out += "decode: \(steps) positions from BOS, greedy; prefill: \(promptTokens) tokens; "
            + "median of \(runs) runs after 1 warm-up\n"
        if let variant = NativeKernels.variant { out += "riscv64 kernels (simd): \(variant)\n" }
        let header = ["path", "threads", "decode tok/s", "(min-max)", "ms/token", "prefill tok/s",
                      "weights GB/s", "of stream", "RSS MiB"] + (scalar != nil ? ["decode ×scalar", "prefill ×scalar"] : [])
        var rows: [[String]] = [header]
        for result in results {
            var row = [
                result.setup.name, String(result.setup.threads),
                FixedDecimal.format(result.decode.median, decimals: 1),
                FixedDecimal.format(result.decode.minimum, decimals: 0) + "-"
                    + FixedDecimal.format(result.decode.maximum, decimals: 0),
                FixedDecimal.format(1000 / result.decode.median, decimals: 3),
                FixedDecimal.format(result.prefill.median, decimals: 0),
                FixedDecimal.format(Double(result.weightBytesPerToken) * result.decode.median / 1e9, decimals: 1),
                result.streamReadBytesPerSecond > 0
                    ? FixedDecimal.format(100 * Double(result.weightBytesPerToken) * result.decode.median
                                          / result.streamReadBytesPerSecond, decimals: 0) + "%" : "-",
                FixedDecimal.format(Double(result.residentKiB) / 1024, decimals: 1),
            ]
            if let scalar {
                row.append(FixedDecimal.format(result.decode.median / scalar.decode.median, decimals: 2))
                row.append(scalar.prefill.median > 0
                           ? FixedDecimal.format(result.prefill.median / scalar.prefill.median, decimals: 2) : "-")
            }
            rows.append(row)
        }
        var widths = [Int](repeating: 0, count: header.count)
        for row in rows {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        for row in rows {
            var line = ""
            for (column, cell) in row.enumerated() { line += (column == 0 ? "" : "  ") + padded(cell, widths[column]) }
            out += line + "\n"
        }
        var peak = 0
        for result in results { peak = max(peak, result.peakResidentKiB) }
        var streams: [String] = []
        for result in results where !streams.contains(where: { $0.hasSuffix(" on \(result.setup.threads) thread(s)") }) {
            streams.append(FixedDecimal.format(result.streamReadBytesPerSecond / 1e9, decimals: 1)
                           + " GB/s on \(result.setup.threads) thread(s)")
        }
        var streamLine = ""
        for (index, item) in streams.enumerated() { streamLine += (index == 0 ? "" : ", ") + item }
        out += "streaming read (\(BenchCommand.streamBytes >> 20) MiB, median of 5 passes): " + streamLine + "\n"
        return out + "peak RSS of the runs: \(FixedDecimal.format(Double(peak) / 1024, decimals: 1)) MiB\n"
    }
}
