import Foundation
import Logging

/// The whole `main` of a service executable: read configuration, assemble, run until SIGTERM/SIGINT.
public enum ServiceMain {
    /// Runs the service described by `definition`; exits with status 1 and a clear message on a
    /// configuration or start-up error.
    /// The operator commands (`deadletters …`, `outbox …`) run instead and exit.
    public static func run(_ definition: ServiceDefinition, defaultHTTPPort: Int) async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if OperatorCommands.isCommand(arguments) {
            exit(await OperatorCommands.run(arguments, definition: definition, defaultHTTPPort: defaultHTTPPort))
        }
        LogSetup.bootstrap()
        let logger = LogSetup.logger(service: definition.name)
        do {
            let configuration = try LifelineConfiguration.load(service: definition.name, defaultHTTPPort: defaultHTTPPort)
            let service = try await LifelineService(definition: definition, configuration: configuration, logger: logger)
            try await service.run()
            logger.info("stopped")
        } catch {
            logger.critical("cannot run", metadata: ["error": "\(error)"])
            exit(1)
        }
    }
}
