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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
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
        .target(name: "CJPEG", dependencies: ["CLibJPEG"]),
        .target(name: "CPNG", dependencies: ["CLibPNG"], linkerSettings: [.linkedLibrary("z")]),
        .target(
            name: "ImageCore",
            dependencies: ["CJPEG", "CPNG", "CWebP"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        .executableTarget(
            name: "imagepipe",
            dependencies: [
                "ImageCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(
            name: "ImageCoreTests",
            dependencies: ["ImageCore", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "imagepipeTests", dependencies: ["ImageCore"]),
    ]
)
