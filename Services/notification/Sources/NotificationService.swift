import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime

/// Notification (通知): tells households, grid members and officials what concerns them.
public enum NotificationService {
    /// Port when `HTTP_PORT` is not set.
    public static let defaultHTTPPort = 8086

    /// The service's definition.
    public static let definition = ServiceDefinition(
        name: "notification",
        migrations: NotificationMigrations.all,
        producedTopics: [.notificationMessages],
        consumers: [
            ConsumerDefinition(name: "case-notifier", topics: [.reviewCases]) { dependencies in
                let notifier = CaseNotifier(dependencies: dependencies)
                var handlers = EventHandlers(unknownTypes: .ignore)
                handlers.on(CaseOpened.self) { opened, context in try await notifier.caseOpened(opened, context: context) }
                return handlers
            }
        ],
        routes: { router, dependencies in
            MessageRoutes(dependencies: dependencies).add(to: router)
        }
    )
}

enum NotificationMigrations {
    static let all: [Migration] = [
        Migration(version: 100, name: "messages", statements: [
            """
            CREATE TABLE messages (
                id text PRIMARY KEY,
                case_id text NOT NULL,
                household_id text,
                village_code text NOT NULL,
                recipient_kind text NOT NULL,
                recipient_address text NOT NULL,
                channel text NOT NULL,
                body text NOT NULL,
                status text NOT NULL DEFAULT 'recorded',
                created_at timestamptz NOT NULL DEFAULT now(),
                UNIQUE (case_id, recipient_kind)
            )
            """,
            "CREATE INDEX messages_village ON messages (village_code, created_at)",
        ])
    ]
}
