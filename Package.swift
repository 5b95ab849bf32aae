// swift-tools-version:6.2
// Lifeline (防返贫监测帮扶平台): message-driven services for dynamic monitoring and assistance to
// prevent households from falling (back) into poverty. See README.md and docs/architecture.md.
import PackageDescription

/// librdkafka 2.16 copied out of the confluent-kafka wheel by scripts/setup.sh. Debian's 2.0.2 cannot
/// talk to Tansu, so the binaries link against this copy and find it again at run time through RPATH.
let librdkafkaDirectory = Context.packageDirectory + "/.deps/lib"

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

/// A service: a library target with the logic (started in-process by tests) and a thin executable.
func service(
    _ name: String, directory: String, executable: String, extraDependencies: [Target.Dependency] = [], resources: [Resource]? = nil,
    executableDependencies: [Target.Dependency] = []
) -> [Target] {
    [
        .target(
            name: name,
            dependencies: [
                "LifelineRuntime", "LifelineEvents", "LifelinePersistence", "LifelineEventBus",
                "LifelineAuth",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ] + extraDependencies,
            path: "Services/\(directory)/Sources",
            resources: resources,
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: executable,
            dependencies: [.target(name: name), "LifelineRuntime"] + executableDependencies,
            path: "Services/\(directory)/Main",
            swiftSettings: swiftSettings
        ),
    ]
}

let package = Package(
    name: "lifeline",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lifeline-intake", targets: ["IntakeMain"]),
        .executable(name: "lifeline-department-screening", targets: ["DepartmentScreeningMain"]),
        .executable(name: "lifeline-hotline", targets: ["HotlineMain"]),
        .executable(name: "lifeline-review", targets: ["ReviewMain"]),
        .executable(name: "lifeline-insurance", targets: ["InsuranceMain"]),
        .executable(name: "lifeline-notification", targets: ["NotificationMain"]),
        .executable(name: "lifeline-accounts", targets: ["AccountsMain"]),
        .executable(name: "lifeline-console", targets: ["ConsoleMain"]),
        .executable(name: "lifeline-token", targets: ["TokenTool"]),
        .executable(name: "lifeline-bench", targets: ["Bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/vapor/jwt-kit", exact: "5.8.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
        // Insurance seals bank account numbers (AES-GCM) with it; jwt-kit depends on the same version.
        .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
        // The console's pages: logic-less templates kept as resources.
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
        // Notification's SMS and WeChat gateway adapters.
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        // Tests only: the contract test reads docs/openapi.yaml and docs/asyncapi.yaml with these.
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/mattpolzin/OpenAPIKit", exact: "6.4.0"),
    ],
    targets: [
        // MARK: Shared
        .systemLibrary(name: "CRdKafka", path: "Shared/CRdKafka"),
        .target(
            name: "LifelineKafka",
            dependencies: [
                "CRdKafka",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Kafka",
            swiftSettings: swiftSettings,
            linkerSettings: [
                .unsafeFlags([
                    "-L\(librdkafkaDirectory)",
                    "-Xlinker", "-rpath", "-Xlinker", librdkafkaDirectory,
                ])
            ]
        ),
        .target(
            name: "LifelineEvents",
            dependencies: [],
            path: "Shared/Events",
            swiftSettings: swiftSettings
        ),
        // Tabular files as departments and districts send them: CSV (UTF-8, GB18030) and XLSX read
        // as streams of rows within limits, and XLSX written; shared by intake, screening and review.
        .target(
            name: "LifelineFiles",
            dependencies: ["LifelineEvents", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            path: "Shared/Files",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LifelinePersistence",
            dependencies: [
                "LifelineEvents",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Persistence",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LifelineEventBus",
            dependencies: [
                "LifelineKafka", "LifelineEvents", "LifelinePersistence",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/EventBus",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LifelineAuth",
            dependencies: [
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Shared/Auth",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LifelineRuntime",
            dependencies: [
                "LifelineKafka", "LifelineEvents", "LifelinePersistence", "LifelineEventBus", "LifelineAuth",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Runtime",
            swiftSettings: swiftSettings
        ),

        // MARK: Tools
        .executableTarget(
            name: "TokenTool",
            dependencies: ["LifelineAuth"],
            path: "Tools/Token",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Bench",
            dependencies: [
                "LifelineKafka", "LifelineEvents", "LifelinePersistence", "LifelineEventBus", "LifelineRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tools/Bench",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .testTarget(
            name: "LifelineTests",
            dependencies: [
                "LifelineKafka", "LifelineEvents", "LifelinePersistence", "LifelineEventBus",
                "LifelineRuntime", "LifelineAuth", "LifelineFiles",
                "Intake", "IntakeDemo", "DepartmentScreening", "Hotline", "Review", "Insurance", "Notification", "Accounts", "Console",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "OpenAPIKit", package: "OpenAPIKit"),
            ],
            path: "Tests/LifelineTests",
            exclude: ["Data"],  // read from the source tree by the tests (labelled work orders)
            swiftSettings: swiftSettings
        ),
    ]
        + [.systemLibrary(name: "CQRencode", path: "Services/intake/CQRencode", pkgConfig: "libqrencode")]
        + service(
            "Intake", directory: "intake", executable: "IntakeMain",
            extraDependencies: ["CQRencode", "LifelineFiles", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            // The public pages' CSS and scripts (served at /assets/…, never inline).
            resources: [.copy("Resources/public")],
            // The demo data stays out of the service library: only the executable's seed commands use it.
            executableDependencies: ["IntakeDemo"])
        + [
            // Synthetic 济阳 grid and households as the files a district uploads (seed-demo, benchmarks).
            .target(name: "IntakeDemo", dependencies: ["LifelineEvents"], path: "Services/intake/Demo", swiftSettings: swiftSettings),
        ]
        + service("DepartmentScreening", directory: "department-screening", executable: "DepartmentScreeningMain", extraDependencies: ["LifelineFiles"])
        + service("Hotline", directory: "hotline", executable: "HotlineMain")
        + service("Review", directory: "review", executable: "ReviewMain", extraDependencies: ["LifelineFiles"])
        + service(
            "Insurance", directory: "insurance", executable: "InsuranceMain",
            extraDependencies: ["LifelineFiles", .product(name: "Crypto", package: "swift-crypto")])
        + service(
            "Notification", directory: "notification", executable: "NotificationMain",
            extraDependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ])
        + service(
            "Accounts", directory: "accounts", executable: "AccountsMain",
            // Passwords are hashed with scrypt from swift-crypto's CryptoExtras (never hand-written).
            extraDependencies: [
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "CryptoExtras", package: "swift-crypto"),
            ])
        + [
            // The operators' console: server-rendered pages over the services' public HTTP APIs. It has no
            // schema and no topics, so it is not a LifelineService.
            .target(
                name: "Console",
                dependencies: [
                    "LifelineRuntime", "LifelineAuth",
                    .product(name: "Hummingbird", package: "hummingbird"),
                    .product(name: "Mustache", package: "swift-mustache"),
                    .product(name: "AsyncHTTPClient", package: "async-http-client"),
                    .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                    .product(name: "NIOPosix", package: "swift-nio"),
                    .product(name: "Crypto", package: "swift-crypto"),
                    .product(name: "Logging", package: "swift-log"),
                    .product(name: "Metrics", package: "swift-metrics"),
                    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                ],
                path: "Services/console/Sources",
                resources: [.copy("Resources/templates"), .copy("Resources/public")],
                swiftSettings: swiftSettings
            ),
            .executableTarget(name: "ConsoleMain", dependencies: ["Console"], path: "Services/console/Main", swiftSettings: swiftSettings),
        ]
)
