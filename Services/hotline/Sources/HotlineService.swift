import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime

/// Hotline (信访信息处置): takes work orders pushed by the 12345 and 12317 hotlines, the cyberspace office
/// and the petition bureau, and raises risk leads for the towns to verify.
public enum HotlineService {
    /// Port when `HTTP_PORT` is not set.
    public static let defaultHTTPPort = 8083

    /// The service's definition.
    public static let definition = ServiceDefinition(
        name: "hotline",
        migrations: HotlineMigrations.all,
        producedTopics: [.hotlineLeads],
        consumers: [
            ConsumerDefinition(name: "work-order-intake", topics: [.hotlineInbound]) { dependencies in
                let intake = WorkOrderIntake(dependencies: dependencies)
                // hotline.inbound carries work orders only: anything else from the outside systems is a fault.
                var handlers = EventHandlers(unknownTypes: .deadLetter)
                handlers.on(WorkOrderPushed.self) { order, context in try await intake.record(order, context: context) }
                return handlers
            }
        ],
        routes: { router, dependencies in
            WorkOrderRoutes(dependencies: dependencies).add(to: router)
            TextRuleRoutes(dependencies: dependencies).add(to: router)
        }
    )
}
