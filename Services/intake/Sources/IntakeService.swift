import LifelineEvents
import LifelineRuntime

/// Intake (受理): the household registry and the front door of self-applications and grid reports.
public enum IntakeService {
    /// Port when `HTTP_PORT` is not set.
    public static let defaultHTTPPort = 8081

    /// The service's definition.
    public static let definition = ServiceDefinition(
        name: "intake",
        migrations: IntakeMigrations.all,
        producedTopics: [.intakeApplications, .intakeHouseholds],
        consumers: [
            ConsumerDefinition(name: "application-progress", topics: [.reviewCases]) { dependencies in
                { received, connection in try await ApplicationProgressHandler(dependencies: dependencies).handle(received, on: connection) }
            }
        ],
        routes: { router, dependencies in
            ApplicationRoutes(dependencies: dependencies).add(to: router)
        }
    )
}
