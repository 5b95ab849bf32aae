import Foundation
import LifelineEvents
import LifelineRuntime

/// How long an order may take when its source sets no due time (办理时限), per channel, and when the
/// town is warned: parsed once at start (docs/operations.md).
struct DeadlineSettings: Sendable {
    var days: [HotlineChannel: Int]
    var dueSoonHours: Int
    var clockSeconds: Int

    static let keys: [(HotlineChannel, String, Int)] = [
        (.hotline12345, "HOTLINE_DUE_DAYS_12345", 5), (.hotline12317, "HOTLINE_DUE_DAYS_12317", 5),
        (.cyberspace, "HOTLINE_DUE_DAYS_CYBERSPACE", 3), (.petition, "HOTLINE_DUE_DAYS_PETITION", 60),
    ]

    init(settings: ConfigReader) throws {
        var days: [HotlineChannel: Int] = [:]
        for (channel, key, fallback) in Self.keys { days[channel] = try settings.int(key, default: fallback, range: 1...365) }
        self.days = days
        dueSoonHours = try settings.int("HOTLINE_DUE_SOON_HOURS", default: 24, range: 1...720)
        clockSeconds = try settings.int("HOTLINE_CLOCK_SECONDS", default: 60, range: 1...3600)
    }

    /// The source's due time, or the channel's default after receipt.
    func due(for order: WorkOrderPushed) -> Date {
        order.dueAt ?? order.receivedAt.addingTimeInterval(TimeInterval((days[order.channel] ?? 5) * 86_400))
    }

    /// The settings of a running service (checked at start by `checkSettings`, so they parse).
    static func from(_ dependencies: ServiceDependencies) -> DeadlineSettings {
        (try? DeadlineSettings(settings: dependencies.configuration.settings)) ?? DeadlineSettings(days: [:], dueSoonHours: 24, clockSeconds: 60)
    }

    init(days: [HotlineChannel: Int], dueSoonHours: Int, clockSeconds: Int) {
        self.days = days
        self.dueSoonHours = dueSoonHours
        self.clockSeconds = clockSeconds
    }
}
