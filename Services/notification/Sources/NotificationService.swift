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

/// The handlers of the `notifier` consumer: the notices of a run of consecutive events (whatever their
/// types) queued together in the consumer's transaction, with a few statements for the whole run.
struct Notifier: Sendable {
    /// One event's notices with the event.
    typealias Caused = (notices: [Notice], cause: CloudEvent)
    let enqueue: @Sendable ([Caused], PostgresConnection) async throws -> Void
    let rememberApplicants: @Sendable ([ApplicationSubmitted], PostgresConnection) async throws -> Void

    init(
        enqueue: @escaping @Sendable ([Caused], PostgresConnection) async throws -> Void,
        rememberApplicants: @escaping @Sendable ([ApplicationSubmitted], PostgresConnection) async throws -> Void
    ) {
        self.enqueue = enqueue
        self.rememberApplicants = rememberApplicants
    }

    init(queue: MessageQueue, directory: NotificationDirectory) {
        self.init(
            enqueue: { caused, connection in try await queue.enqueue(caused, on: connection) },
            rememberApplicants: { applications, connection in try await directory.apply(applications, on: connection) })
    }

    /// What one event asks of the notifier: its notices, and an application's contact to remember
    /// (before its own notice is addressed).
    struct Work: Sendable {
        var notices: [Notice]
        var application: ApplicationSubmitted?
    }

    /// Every event type someone hears of, with its audience rules.
    static let notifiedTypes: [BatchedType<Work>] = [
        .of(ApplicationSubmitted.self) { Work(notices: AudienceRules.notices($0), application: $0) },
        .of(ApplicationHeldForVerification.self) { Work(notices: AudienceRules.notices($0)) },
        .of(GridLeadRaised.self) { Work(notices: AudienceRules.notices($0)) },
        .of(RiskLeadRaised.self) { Work(notices: AudienceRules.notices($0)) },
        .of(WarningRaised.self) { Work(notices: AudienceRules.notices($0)) },
        .of(CaseOpened.self) { Work(notices: AudienceRules.notices($0)) },
        .of(LeadJoinedCase.self) { Work(notices: AudienceRules.notices($0)) },
        .of(CaseStageChanged.self) { Work(notices: AudienceRules.notices($0)) },
        .of(ObjectionLodged.self) { Work(notices: AudienceRules.notices($0)) },
        .of(ObjectionResolved.self) { Work(notices: AudienceRules.notices($0)) },
        .of(CaseOverdue.self) { Work(notices: AudienceRules.notices($0)) },
        .of(CaseDecided.self) { Work(notices: AudienceRules.notices($0)) },
        .of(MonitoringStarted.self) { Work(notices: AudienceRules.notices($0)) },
        .of(RiskEliminated.self) { Work(notices: AudienceRules.notices($0)) },
        .of(ClaimFiled.self) { Work(notices: AudienceRules.notices($0)) },
        .of(ClaimApproved.self) { Work(notices: AudienceRules.notices($0)) },
        .of(ClaimPaid.self) { Work(notices: AudienceRules.notices($0)) },
        .of(ClaimRejected.self) { Work(notices: AudienceRules.notices($0)) },
        .of(FundThresholdReached.self) { Work(notices: AudienceRules.notices($0)) },
    ]

    func handlers() -> EventHandlers {
        var handlers = EventHandlers(unknownTypes: .ignore)
        handlers.onBatch(Self.notifiedTypes) { [enqueue, rememberApplicants] events, connection in
            let applications = events.compactMap(\.payload.application)
            if !applications.isEmpty { try await rememberApplicants(applications, connection) }
            try await enqueue(events.map { ($0.payload.notices, $0.received.event) }, connection)
        }
        return handlers
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
