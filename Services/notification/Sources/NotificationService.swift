import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime
import Logging

/// Notification (通知): for each step another service publishes, decides who must hear of it (the
/// household, its grid member, the village, town, district, the insurer), renders the message from the
/// district's template and delivers it once on the right channel: staff inboxes, SMS, WeChat, e-mail.
/// See docs/notification.md.
public enum NotificationService {
    /// Port when `HTTP_PORT` is not set.
    public static let defaultHTTPPort = 8086

    /// The topics whose events people hear of.
    static let notifiedTopics: [EventTopic] = [
        .intakeApplications, .intakeLeads, .reviewCases, .hotlineLeads, .screeningLeads, .insuranceClaims, .insuranceFund,
    ]

    /// The service's definition.
    public static let definition = ServiceDefinition(
        name: "notification",
        migrations: NotificationMigrations.all,
        producedTopics: [.notificationMessages],
        consumers: [
            ConsumerDefinition(name: "notifier", topics: notifiedTopics) { dependencies in
                let settings = NotificationSettings.from(dependencies)
                let directory = NotificationDirectory(logger: dependencies.logger)
                let queue = MessageQueue(
                    directory: directory,
                    templates: TemplateStore(
                        database: dependencies.database, logger: dependencies.logger, cacheSeconds: Double(settings.templateCacheSeconds)),
                    publisher: dependencies.publisher, settings: settings, logger: dependencies.logger)
                return Notifier(queue: queue, directory: directory).handlers()
            },
            ConsumerDefinition(name: "directory", topics: [.intakeHouseholds, .intakeGrid]) { dependencies in
                let directory = NotificationDirectory(logger: dependencies.logger)
                var handlers = EventHandlers(unknownTypes: .ignore)
                handlers.on(HouseholdRegistered.self) { household, context in try await directory.apply(household, on: context.connection) }
                handlers.on(GridUnitRegistered.self) { unit, context in try await directory.apply(unit, on: context.connection) }
                return handlers
            },
        ],
        checkSettings: { settings in _ = try NotificationSettings(settings: settings) },
        onPrepared: { dependencies in
            try await TemplateStore(database: dependencies.database, logger: dependencies.logger).seed()
        },
        backgroundServices: { dependencies in
            [Dispatcher.make(dependencies)]
        },
        routes: { router, dependencies in
            let settings = NotificationSettings.from(dependencies)
            let messages = MessageStore(database: dependencies.database, publisher: dependencies.publisher, logger: dependencies.logger)
            let group = router.group("v1").add(middleware: BearerAuthMiddleware(keys: dependencies.tokenKeys))
            NotificationRoutes(
                messages: messages,
                templates: TemplateStore(
                    database: dependencies.database, logger: dependencies.logger, cacheSeconds: Double(settings.templateCacheSeconds)),
                signature: settings.smsSignature
            ).add(to: group)
            DeliveryReportRoutes(messages: messages, secret: settings.reportSecret).add(to: router)
        }
    )
}

/// The typed handlers of the `notifier` consumer: each event's notices queued in its transaction.
struct Notifier: Sendable {
    let enqueue: @Sendable ([Notice], CloudEvent, PostgresConnection) async throws -> Void
    let rememberApplicant: @Sendable (ApplicationSubmitted, PostgresConnection) async throws -> Void

    init(
        enqueue: @escaping @Sendable ([Notice], CloudEvent, PostgresConnection) async throws -> Void,
        rememberApplicant: @escaping @Sendable (ApplicationSubmitted, PostgresConnection) async throws -> Void
    ) {
        self.enqueue = enqueue
        self.rememberApplicant = rememberApplicant
    }

    init(queue: MessageQueue, directory: NotificationDirectory) {
        self.init(
            enqueue: { notices, cause, connection in try await queue.enqueue(notices, cause: cause, on: connection) },
            rememberApplicant: { application, connection in try await directory.apply(application, on: connection) })
    }

    func handlers() -> EventHandlers {
        var handlers = EventHandlers(unknownTypes: .ignore)
        handlers.on(ApplicationSubmitted.self) { [enqueue, rememberApplicant] event, context in
            try await rememberApplicant(event, context.connection)
            try await enqueue(AudienceRules.notices(event), context.event, context.connection)
        }
        on(ApplicationHeldForVerification.self, AudienceRules.notices, &handlers)
        on(GridLeadRaised.self, AudienceRules.notices, &handlers)
        on(RiskLeadRaised.self, AudienceRules.notices, &handlers)
        on(WarningRaised.self, AudienceRules.notices, &handlers)
        on(CaseOpened.self, AudienceRules.notices, &handlers)
        on(LeadJoinedCase.self, AudienceRules.notices, &handlers)
        on(CaseStageChanged.self, AudienceRules.notices, &handlers)
        on(ObjectionLodged.self, AudienceRules.notices, &handlers)
        on(ObjectionResolved.self, AudienceRules.notices, &handlers)
        on(CaseOverdue.self, AudienceRules.notices, &handlers)
        on(CaseDecided.self, AudienceRules.notices, &handlers)
        on(MonitoringStarted.self, AudienceRules.notices, &handlers)
        on(RiskEliminated.self, AudienceRules.notices, &handlers)
        on(ClaimFiled.self, AudienceRules.notices, &handlers)
        on(ClaimApproved.self, AudienceRules.notices, &handlers)
        on(ClaimPaid.self, AudienceRules.notices, &handlers)
        on(ClaimRejected.self, AudienceRules.notices, &handlers)
        on(FundThresholdReached.self, AudienceRules.notices, &handlers)
        return handlers
    }

    private func on<Event: DomainEvent>(
        _ type: Event.Type, _ rules: @escaping @Sendable (Event) -> [Notice], _ handlers: inout EventHandlers
    ) {
        handlers.on(type) { [enqueue] event, context in
            try await enqueue(rules(event), context.event, context.connection)
        }
    }
}

extension Dispatcher {
    /// The dispatcher with the channels the settings configure and their shared rate limits.
    static func make(_ dependencies: ServiceDependencies) -> Dispatcher {
        let settings = NotificationSettings.from(dependencies)
        var channels: [String: any DeliveryChannel] = [:]
        let connections = GatewayConnections(connections: settings.sendConcurrency)
        let http = GatewayHTTP(connections: connections)
        if let url = settings.smsURL {
            channels["sms"] = SMSGateway(url: url, account: settings.smsAccount, secret: settings.smsSecret, http: http)
        }
        if let url = settings.wechatURL { channels["wechat"] = WeChatGateway(url: url, accessToken: settings.wechatToken, http: http) }
        if let host = settings.smtpHost {
            channels["email"] = SMTPMailer(host: host, port: settings.smtpPort, from: settings.mailFrom, heloName: "lifeline-notification")
        }
        var limiters: [String: SharedRateLimiter] = [:]
        for (channel, rate) in settings.perSecond {
            limiters[channel] = SharedRateLimiter(scope: "notification.\(channel)", capacity: rate, period: .seconds(1), database: dependencies.database)
        }
        return Dispatcher(
            database: dependencies.database, publisher: dependencies.publisher, channels: channels, connections: connections, limiters: limiters,
            settings: settings,
            logger: dependencies.logger)
    }
}
