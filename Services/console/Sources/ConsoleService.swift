import Foundation
import HTTPTypes
import Hummingbird
import LifelineRuntime
import Logging
import ServiceLifecycle

/// The operators' console (`lifeline-console`, 工作台): server-rendered zh-CN pages for officials,
/// over the services' public HTTP APIs with each official's own token. It keeps no data of its own.
/// See docs/console.md.
public enum ConsoleService {
    /// The whole `main`: read settings, serve until SIGTERM/SIGINT.
    public static func main() async {
        LogSetup.bootstrap()
        var logger = LogSetup.logger(service: "console")
        do {
            let settings = try ConsoleSettings()
            logger.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info
            let application = try await makeApplication(settings: settings, logger: logger)
            let group = ServiceGroup(
                configuration: .init(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        } catch {
            logger.critical("cannot run", metadata: ["error": "\(error)"])
            exit(1)
        }
    }

    /// The console's HTTP application; `onPort` learns the bound port (tests listen on port 0).
    public static func makeApplication(
        settings: ConsoleSettings, logger: Logger, onPort: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws -> some ApplicationProtocol & Service {
        let renderer = try await PageRenderer.load()
        let console = Console(settings: settings, backends: Backends(settings: settings), renderer: renderer, logger: logger)
        _ = MetricsSetup.registry
        let router = Router(context: ConsoleRequestContext.self)
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: SecurityHeaders())
        console.addRoutes(to: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(settings.httpHost, port: settings.httpPort), serverName: "lifeline-console"),
            onServerRunning: { channel in onPort(channel.localAddress?.port ?? 0) },
            logger: logger)
    }
}

/// The console's request context: Hummingbird's core and the client's address.
public struct ConsoleRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's IP address as this server sees it.
    public var remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }
}

/// Headers on every answer: a Content-Security-Policy that allows no script at all and only the
/// console's own styles and images, no framing, no referrer outside the console (a browser sends `Origin: null` under `no-referrer`, which the
/// origin check would refuse), no MIME sniffing.
struct SecurityHeaders: RouterMiddleware {
    typealias Context = ConsoleRequestContext

    static let policy =
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.policy
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return response
    }
}
