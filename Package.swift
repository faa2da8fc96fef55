// swift-tools-version: 6.1
import Foundation
import PackageDescription

/// Whether libvirt's C headers are installed (Debian: `libvirt-dev`; `scripts/test.sh` installs them).
/// Without them the build leaves the libvirt driver's C API and tests out, and the driver refuses
/// libvirt hosts, so that `swift run virtualstack serve` works on a machine that has only Swift.
/// After installing them, `touch Package.swift` so that SwiftPM reads this again.
/// `VIRTUALSTACK_WITHOUT_LIBVIRT=1` builds without the driver where the headers are installed.
let hasLibvirt =
    ProcessInfo.processInfo.environment["VIRTUALSTACK_WITHOUT_LIBVIRT"] == nil
    && ["/usr/include", "/usr/local/include", "/opt/homebrew/include"].contains {
        FileManager.default.fileExists(atPath: $0 + "/libvirt/libvirt.h")
    }
/// `#if LIBVIRT` in the code that needs libvirt's C API (a compile-time flag, unlike `canImport`, is
/// not fooled by modules a build with libvirt left in `.build`).
let libvirtDefine: [SwiftSetting] = hasLibvirt ? [.define("LIBVIRT")] : []

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "virtualstack",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "virtualstack", targets: ["virtualstack"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-openapi-generator", from: "1.14.0"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.30.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.0"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.12.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Tests only: they read openapi.yaml to enumerate its operations and schemas.
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // The hexagon: domain types, use cases, ports and errors. No framework imports.
        .target(
            name: "Core",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // The OpenAPI document and the code generated from it.
        .target(
            name: "APIContract",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            resources: [.copy("openapi.yaml")],
            // The generated code uses `package import`; the resource accessor SwiftPM writes uses a plain
            // import, which is only unambiguous with internal imports by default.
            swiftSettings: swiftSettings + [.enableUpcomingFeature("InternalImportsByDefault")],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        // Driving adapter: HTTP. Translates requests into core calls and core errors into responses.
        .target(
            name: "HTTPAdapter",
            dependencies: [
                "Core",
                "APIContract",
                "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // zlib's C API (Debian: `zlib1g-dev`): the console's files are served gzipped.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // The web console: static files served by the HTTP adapter at `/`, a client of the API like any other.
        .target(name: "WebConsole", resources: [.copy("Assets")], swiftSettings: swiftSettings),
        // Driven adapter: SQL persistence, written once against SQLKit for SQLite and PostgreSQL.
        .target(
            name: "SQLPersistence",
            dependencies: [
                "Core",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // Driven adapter: the simulated hypervisor, whose hosts and machines live in the service's database.
        .target(
            name: "SimulatedHypervisor",
            dependencies: [
                "Core",
                "SQLPersistence",
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        // Driven adapter: the libvirt driver (KVM/QEMU hosts; libvirt's test driver in tests), over
        // libvirt's C API when the build has it (see `hasLibvirt`).
        .target(
            name: "LibvirtHypervisor",
            dependencies: [
                "Core",
                .product(name: "NIOPosix", package: "swift-nio"),
            ] + (hasLibvirt ? ["CLibvirt"] : []),
            swiftSettings: swiftSettings + libvirtDefine
        ),
        // Driven adapter: the vCenter driver, a vim25 (SOAP) client on async-http-client and Foundation's XMLParser.
        .target(
            name: "VCenterHypervisor",
            dependencies: [
                "Core",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The checks every hypervisor driver must pass, written once; each driver's tests run them.
        .target(
            name: "HypervisorContract",
            dependencies: ["Core"],
            swiftSettings: swiftSettings
        ),
        // Driven adapters: credentials (bcrypt, JWT, random secrets).
        .target(
            name: "SecurityAdapters",
            dependencies: [
                "Core",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The composition root: configuration, wiring, services.
        .target(
            name: "App",
            dependencies: [
                "Core",
                "HTTPAdapter",
                "SQLPersistence",
                "SecurityAdapters",
                "WebConsole",
                "SimulatedHypervisor",
                "LibvirtHypervisor",
                "VCenterHypervisor",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "virtualstack",
            dependencies: [
                "App",
                "Core",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Shared by the test targets: throwaway SQLite and PostgreSQL databases for every test.
        .target(
            name: "TestSupport",
            dependencies: [
                "SQLPersistence",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CoreTests",
            dependencies: ["Core"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HTTPAdapterTests",
            dependencies: [
                "Core", "HTTPAdapter", "APIContract",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SQLPersistenceTests",
            dependencies: [
                "Core", "SQLPersistence", "TestSupport",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SimulatedHypervisorTests",
            dependencies: [
                "Core", "HypervisorContract", "SimulatedHypervisor", "SQLPersistence", "TestSupport",
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        // Shared by the test targets: a second vSphere client that changes the simulator behind the driver's back.
        .target(name: "VCenterTestSupport", dependencies: ["Core", "VCenterHypervisor"], swiftSettings: swiftSettings),
        .testTarget(
            name: "VCenterHypervisorTests",
            dependencies: [
                "Core", "HypervisorContract", "SecurityAdapters", "VCenterHypervisor", "VCenterTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AppTests",
            dependencies: [
                "APIContract",
                "App",
                "Core",
                "HTTPAdapter",
                "SQLPersistence",
                "SecurityAdapters",
                "TestSupport",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                "SimulatedHypervisor",
                "LibvirtHypervisor",
                "VCenterHypervisor",
                "VCenterTestSupport",
            ] + (hasLibvirt ? ["LibvirtTestSupport"] : []),
            swiftSettings: swiftSettings + libvirtDefine
        ),
    ]
)

// libvirt's C API, and what only tests on it need, when the headers are there.
if hasLibvirt {
    package.targets += [
        .systemLibrary(name: "CLibvirt", pkgConfig: "libvirt", providers: [.apt(["libvirt-dev"])]),
        // Shared by the test targets: a plain libvirt connection that changes hosts behind the driver's back.
        .target(name: "LibvirtTestSupport", dependencies: ["CLibvirt", "Core"], swiftSettings: swiftSettings),
        .testTarget(
            name: "LibvirtHypervisorTests",
            dependencies: ["CLibvirt", "Core", "HypervisorContract", "LibvirtHypervisor", "LibvirtTestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
}
