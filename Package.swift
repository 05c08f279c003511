// swift-tools-version:6.0
import PackageDescription

/// imagepipe: prepare, generate, verify and thumbnail images around hosted AI image generation.
///
/// The three codecs come from Debian's `-dev` packages: a system-library target per library finds it
/// through pkg-config, and a small C target beside it keeps libjpeg's and libpng's `setjmp` error
/// handling on the C side, so a `longjmp` never crosses a Swift frame.
let package = Package(
    name: "imagepipe",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "imagepipe", targets: ["imagepipe"]),
        .library(name: "ImageCore", targets: ["ImageCore"]),
        .library(name: "VicSee", targets: ["VicSee"]),
        .library(name: "Simulator", targets: ["Simulator"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
        .library(name: "Marketplace", targets: ["Marketplace"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibJPEG", pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(
            name: "CLibPNG", pkgConfig: "libpng16",
            providers: [.apt(["libpng-dev"])]),
        // libwebp reports failures by return value, so it needs no shim: Swift calls it directly.
        .systemLibrary(
            name: "CWebP", pkgConfig: "libwebpmux",
            providers: [.apt(["libwebp-dev"])]),
        // LittleCMS converts embedded colour profiles (Adobe RGB, Display P3, ProPhoto, CMYK) to sRGB.
        .systemLibrary(
            name: "CLCMS2", pkgConfig: "lcms2",
            providers: [.apt(["liblcms2-dev"])]),
        /// `SubjectError`, the error shape every module shares (`subject: reason`).
        .target(name: "ErrorVocabulary"),
        .target(name: "CJPEG", dependencies: ["CLibJPEG"]),
        .target(name: "CPNG", dependencies: ["CLibPNG"], linkerSettings: [.linkedLibrary("z")]),
        /// Built with Swift's bounds and overflow checks on, like every target: its header parsers read
        /// untrusted bytes. The hot pixel loops run over buffers imagepipe allocated itself.
        .target(
            name: "ImageCore", dependencies: ["ErrorVocabulary", "CJPEG", "CPNG", "CWebP", "CLCMS2"],
            // Optimised in debug builds too: its per-pixel loops (PNG filters on SIMD vectors, box
            // reduction, Lanczos) run 30× slower unoptimised, and the tests make thousands of thumbnails.
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        /// The hosted service: the model catalogue (data), request validation and the HTTP client. Knows
        /// nothing of pixels beyond what the catalogue says about sizes.
        .target(
            name: "VicSee",
            dependencies: ["ErrorVocabulary", .product(name: "AsyncHTTPClient", package: "async-http-client")],
            resources: [.copy("Resources/models.json")]),
        /// A faithful local stand-in for the service, over real HTTP on loopback; it draws real images.
        .target(
            name: "Simulator",
            dependencies: [
                "ErrorVocabulary", "VicSee", "ImageCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]),
        /// Marketplace presets (Amazon, Shopify, Google Merchant) as data, their rules measured on decoded
        /// pixels and metadata, and the mechanical fixes that make an image pass them.
        .target(
            name: "Marketplace",
            dependencies: ["ErrorVocabulary", "ImageCore"],
            resources: [.copy("Resources/presets.json")]),
        /// Orchestration: the pipeline language (steps declared as data), the executor, the journal, the report.
        .target(
            name: "Pipeline",
            dependencies: [
                "ErrorVocabulary", "ImageCore", "VicSee", "Simulator", "Marketplace",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]),
        .executableTarget(
            name: "imagepipe",
            dependencies: [
                "ErrorVocabulary", "ImageCore", "VicSee", "Simulator", "Pipeline", "Marketplace",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(
            name: "ImageCoreTests",
            dependencies: ["ImageCore", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(
            name: "VicSeeTests",
            dependencies: ["VicSee", "Simulator", "ImageCore", "Pipeline",
                           .product(name: "AsyncHTTPClient", package: "async-http-client")]),
        .testTarget(
            name: "PipelineTests",
            dependencies: ["Pipeline", "ImageCore", "Simulator", "VicSee", "Marketplace",
                           .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "MarketplaceTests", dependencies: ["Marketplace", "ImageCore"]),
        .testTarget(name: "imagepipeTests", dependencies: ["ImageCore", "Simulator", "VicSee"]),
    ]
)

/// Fuzzing (`fuzz/run.sh`). With IMAGEPIPE_FUZZ=1 the code under test — ImageCore's header parsers and
/// decoders with their C shims, VicSee's reading of the service's answers, Pipeline's DSL — is built with libFuzzer's
/// coverage and AddressSanitizer, and the fuzz targets are added. Nothing else is instrumented, so the
/// dependencies (NIO, BoringSSL, ...) already built in `.build` are reused; a normal build afterwards
/// recompiles the few instrumented targets without the flags.
if Context.environment["IMAGEPIPE_FUZZ"] == "1" {
    let sanitizers = ["-sanitize=fuzzer,address"]
    for target in package.targets where ["ImageCore", "VicSee", "Pipeline"].contains(target.name) {
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(sanitizers)]
    }
    for target in package.targets where ["CJPEG", "CPNG"].contains(target.name) {
        target.cSettings = (target.cSettings ?? []) + [.unsafeFlags(["-fsanitize=fuzzer-no-link,address"])]
    }
    // lld, because SwiftPM defines `main` with --defsym, which gold resolves too late to keep libFuzzer's own.
    func fuzzTarget(_ name: String, _ dependency: Target.Dependency) -> Target {
        .executableTarget(
            name: name, dependencies: [dependency, "FuzzSupport"], path: "fuzz/Sources/\(name)",
            swiftSettings: [.unsafeFlags(sanitizers)], linkerSettings: [.unsafeFlags(sanitizers + ["-use-ld=lld"])])
    }
    package.targets += [
        .target(name: "CFuzzer", path: "fuzz/Sources/CFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzer", "ImageCore"], path: "fuzz/Sources/FuzzSupport",
                swiftSettings: [.unsafeFlags(sanitizers)]),
        fuzzTarget("FuzzProbe", "ImageCore"), fuzzTarget("FuzzJPEG", "ImageCore"), fuzzTarget("FuzzPNG", "ImageCore"),
        fuzzTarget("FuzzWebP", "ImageCore"), fuzzTarget("FuzzServiceJSON", "VicSee"), fuzzTarget("FuzzDSL", "Pipeline"),
    ]
}
