// swift-tools-version:6.0
import PackageDescription
import Foundation

// Target CPU. By default the build targets the CPU it is built on (`-march=native`), so the code
// uses the host's whole vector width: AVX-512 where the host has it, else AVX2 + FMA. SIMD
// `addingProduct` only becomes a fused multiply-add when the target CPU has FMA; without a
// target-CPU flag it lowers to a libm `fmaf` call, ~100x slower.
//
//   CAPACITY_MARCH=x86-64-v3   portable: any x86-64 with AVX2 + FMA (`make portable` builds it in
//                              .build-portable/); any other -march name works the same way
//   CAPACITY_AVX512=1 / 0      force the 512-bit GEMM kernels on or off (default: on when the
//                              target has AVX-512F: native on such a host, or x86-64-v4)
//
// Results are bit-identical whichever target and kernel is used (GEMMTests checks every kernel
// against one FMA chain per element). arm64 keeps its baseline (NEON is always there).
let environment = ProcessInfo.processInfo.environment

#if arch(x86_64)
let march = environment["CAPACITY_MARCH"] ?? "native"

/// Whether the target CPU has AVX-512F: read from /proc/cpuinfo for a native build (what
/// `-march=native` itself detects), from the name otherwise.
func targetHasAVX512() -> Bool {
    if let forced = environment["CAPACITY_AVX512"] { return forced == "1" }
    if march == "native" {
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        return flags.split(separator: " ").contains("avx512f")
    }
    return march == "x86-64-v4"
}

let simdFlags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=\(march)", "-enforce-exclusivity=unchecked"])]
    + (targetHasAVX512() ? [.define("CAPACITY_AVX512")] : [])
// Kernels alone is built without LLVM's loop strength reduction. With it, the GEMM micro-kernels
// reach the 6 or 12 rows of A they broadcast each k step through one pointer stepped from row to
// row, a chain of dependent adds carried from step to step, which held the narrow kernels (12×8,
// 6×8) near half their FMA rate: gpt2-2-1-8 trained 1.12× faster without it on Zen 4 (1.16× with
// the 256-bit tiles); the other kernels' ns per token moved within noise (perf). arm64 builds keep
// the pass (not measured there).
let kernelFlags = simdFlags + [.unsafeFlags(["-Xllvm", "-disable-lsr"])]
#else
let simdFlags: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
let kernelFlags = simdFlags
#endif

let package = Package(
    name: "capacity",
    targets: [
        .target(name: "Kernels", swiftSettings: kernelFlags),
        // Config decoding with defaults (`decode(_:default:)`), shared by the config types.
        .target(name: "Coding"),
        .target(name: "Biographies", dependencies: ["Kernels", "Coding"], swiftSettings: simdFlags),
        .target(name: "Transformer", dependencies: ["Kernels", "Coding"], swiftSettings: simdFlags),
        .target(name: "Capacity", dependencies: ["Kernels", "Biographies", "Transformer"], swiftSettings: simdFlags),
        .target(name: "Experiments", dependencies: ["Kernels", "Coding", "Biographies", "Transformer", "Capacity"], swiftSettings: simdFlags),
        .executableTarget(name: "capacity", dependencies: ["Kernels", "Biographies", "Transformer", "Capacity", "Experiments"], swiftSettings: simdFlags),
        // Finite-difference gradients and seeded test data, for the test targets only.
        .target(name: "TestSupport", dependencies: ["Kernels"], path: "Tests/TestSupport", swiftSettings: simdFlags),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "TestSupport"], swiftSettings: simdFlags),
        .testTarget(name: "BiographiesTests", dependencies: ["Biographies", "Coding"], swiftSettings: simdFlags),
        .testTarget(name: "TransformerTests", dependencies: ["Transformer", "TestSupport"], swiftSettings: simdFlags),
        .testTarget(name: "CapacityTests", dependencies: ["Capacity"], swiftSettings: simdFlags),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Capacity", "Coding"], swiftSettings: simdFlags),
    ]
)
