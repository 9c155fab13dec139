// swift-tools-version:6.0
import PackageDescription

// SIMD `addingProduct` only becomes a fused multiply-add when the target CPU has FMA; without a
// target-CPU flag it lowers to a libm `fmaf` call, ~100x slower. x86-64-v3 = AVX2 + FMA.
#if arch(x86_64)
let simdFlags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=x86-64-v3", "-enforce-exclusivity=unchecked"])]
#else
let simdFlags: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
#endif

let package = Package(
    name: "capacity",
    targets: [
        .target(name: "Kernels", swiftSettings: simdFlags),
        .target(name: "Biographies", dependencies: ["Kernels"], swiftSettings: simdFlags),
        .target(name: "Transformer", dependencies: ["Kernels"], swiftSettings: simdFlags),
        .target(name: "Capacity", dependencies: ["Kernels", "Biographies", "Transformer"], swiftSettings: simdFlags),
        .target(name: "Experiments", dependencies: ["Kernels", "Biographies", "Transformer", "Capacity"], swiftSettings: simdFlags),
        .executableTarget(name: "capacity", dependencies: ["Kernels", "Biographies", "Transformer", "Capacity", "Experiments"], swiftSettings: simdFlags),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"], swiftSettings: simdFlags),
        .testTarget(name: "BiographiesTests", dependencies: ["Biographies"], swiftSettings: simdFlags),
        .testTarget(name: "TransformerTests", dependencies: ["Transformer"], swiftSettings: simdFlags),
        .testTarget(name: "CapacityTests", dependencies: ["Capacity"], swiftSettings: simdFlags),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Capacity"], swiftSettings: simdFlags),
    ]
)
