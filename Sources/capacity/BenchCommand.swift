import Foundation
import Kernels
import Transformer

enum BenchCommand {
    static let help = """
    capacity bench [--threads N] [--steps N] [--json] [--gemm | --workload]
                   [--model L-H-C [--vocabulary V] [--context T] [--batch B]]

    Trains three fixed GPT-2 configurations on random tokens (forward + backward + AdamW per step)
    and prints tokens/s, achieved GFLOP/s and the percentage of this machine's peak, which it
    measures first with a loop of independent FMAs in the same process, as wide as the build's
    widest vectors (512-bit on an AVX-512 build, 256-bit AVX2 on other x86-64, 128-bit NEON).
    FLOPs per token: 6·(L·12·C² + V·C) + 6·L·C·(T+1).

      --threads N   cores to use (default: all)
      --steps N     timed steps per configuration (default 20)
      --json        one JSON object per configuration (tokens_per_s, gflops, peak_gflops, ...)
      --model L-H-C instead: this one GPT-2 (layers-heads-width), e.g. 2-1-8 for the demo's
                    smallest model, with --vocabulary (default 512), --context (128) and
                    --batch windows per step (8)
      --gemm        instead: GEMM GFLOP/s and % of peak at 4096×128×512 and 4096×512×128 (m×n×k),
                    each layout
      --workload    instead: the shapes the committed scenarios train (V 443, T 128), on one
                    thread unless --threads is given, as the runner trains them one per core:
                    gpt2-2-1-8, 2-1-16 and 2-2-32 at 8 windows a step, 2-4-64 at 1, 2-4-128 at 2;
                    each timed for at least --steps steps and one second
    """

    /// (config, batch windows): the shapes the committed experiments spend their time on, with
    /// the vocabulary of their bioD data (443 tokens) and 128-token windows.
    static let workload: [(ModelConfig, Int)] = [
        (2, 1, 8, 8), (2, 1, 16, 8), (2, 2, 32, 8), (2, 4, 64, 1), (2, 4, 128, 2),
    ].map { (ModelConfig(layers: $0.0, heads: $0.1, width: $0.2, vocabularySize: 443, contextLength: 128), $0.3) }

    /// (config, batch windows): the reference configurations of the trainer issue.
    static let configurations: [(ModelConfig, Int)] = [
        (ModelConfig(layers: 2, heads: 2, width: 64, vocabularySize: 512, contextLength: 128), 16),
        (ModelConfig(layers: 4, heads: 4, width: 128, vocabularySize: 1024, contextLength: 128), 16),
        (ModelConfig(layers: 6, heads: 4, width: 256, vocabularySize: 2048, contextLength: 256), 8),
    ]

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["threads", "steps", "model", "vocabulary", "context", "batch"],
                              flags: ["json", "gemm", "workload", "help"])
        if a.switches.contains("help") { print(help); return }
        let workload = a.switches.contains("workload")
        let threads = try a.int("threads", default: workload ? 1 : availableCores, in: 1...maximumThreads)
        let steps = try a.int("steps", default: 20, in: 1...1_000_000)
        guard a.positionals.isEmpty else { throw CLIError("bench: unexpected argument \"\(a.positionals[0])\"") }
        if workload && (a.options["model"] != nil || a.switches.contains("gemm")) {
            throw CLIError("--workload: not with --model or --gemm")
        }
        var configurations = workload ? Self.workload : Self.configurations
        if let shape = a.options["model"] {
            let parts = shape.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3, parts.allSatisfy({ $0 >= 1 && $0 <= 65_536 }), parts[2] % parts[1] == 0,
                  (parts[2] / parts[1]) % 2 == 0 else {
                throw CLIError("--model: expected layers-heads-width with width divisible by heads into an even head size, e.g. 2-1-8; found \"\(shape)\"")
            }
            let config = ModelConfig(layers: parts[0], heads: parts[1], width: parts[2],
                                     vocabularySize: try a.int("vocabulary", default: 512, in: 2...1_000_000),
                                     contextLength: try a.int("context", default: 128, in: 1...65_536))
            configurations = [(config, try a.int("batch", default: 8, in: 1...65_536))]
        } else if let extra = ["vocabulary", "context", "batch"].first(where: { a.options[$0] != nil }) {
            throw CLIError("--\(extra) needs --model")
        }
        let peak = measurePeakGFLOPS(threads: threads)
        let json = a.switches.contains("json")
        if a.switches.contains("gemm") {
            print(peakDescription(peak, threads: threads))
            for (m, n, k) in [(4096, 128, 512), (4096, 512, 128)] {
                for (name, layout) in [("A·B", GEMMLayout.nn), ("A·Bᵀ", .nt), ("Aᵀ·B", .tn)] {
                    let g = benchmarkGEMM(layout, m: m, n: n, k: k, threads: threads)
                    print(String(format: "%4d×%3d×%3d  %-5@  %6.1f GFLOP/s  %5.1f%% of peak", m, n, k, name as NSString, g, 100 * g / peak))
                }
            }
            return
        }
        if !json {
            print(peakDescription(peak, threads: threads) + " (a loop of independent FMAs, measured now)")
            print("config                       V     T   B   tokens/s   GFLOP/s   % of peak")
        }
        for (config, batch) in configurations {
            let r = benchmarkTraining(config, batch: batch, steps: steps, minimumSeconds: workload ? 1 : 0,
                                      threads: threads, peakGFLOPS: peak)
            if json {
                let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys]
                print(String(decoding: try enc.encode(r), as: UTF8.self))
            } else {
                print(String(format: "%-26@ %5d %5d %3d %10.0f %9.1f %10.1f%%", config.name as NSString,
                             config.vocabularySize, config.contextLength, batch, r.tokensPerSecond, r.gflops, r.percentOfPeak))
            }
        }
    }
}
