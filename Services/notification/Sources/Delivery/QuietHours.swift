import Foundation
import LifelineEvents

/// A daily window, in Beijing time (UTC+8 all year), in which no SMS goes to households: a message due
/// inside it is held until the window ends (07:00 by default).
struct QuietHours: Sendable, Hashable {
    /// Minutes after midnight at which the window starts and ends; a window may cross midnight.
    var startMinute: Int
    var endMinute: Int

    init(startMinute: Int, endMinute: Int) {
        self.startMinute = startMinute
        self.endMinute = endMinute
    }

    /// Parses `22:00-07:00`.
    init?(parsing text: String) {
        let ends = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        guard ends.count == 2, let start = Self.minute(ends[0]), let end = Self.minute(ends[1]), start != end else { return nil }
        self.init(startMinute: start, endMinute: end)
    }

    private static func minute(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count <= 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
            (0...23).contains(hour), (0...59).contains(minute)
        else { return nil }
        return hour * 60 + minute
    }

    /// Whether `date` falls inside the window.
    func contains(_ date: Date) -> Bool {
        let minute = Self.beijingMinuteOfDay(date)
        return startMinute < endMinute
            ? (startMinute..<endMinute).contains(minute)
            : minute >= startMinute || minute < endMinute
    }

    /// `date` itself outside the window, else the window's end.
    func nextAllowed(after date: Date) -> Date {
        guard contains(date) else { return date }
        let minute = Self.beijingMinuteOfDay(date)
        var wait = endMinute - minute
        if wait <= 0 { wait += 24 * 60 }
        // Back to the whole minute: the window ends at 07:00:00, not 07:00 plus this message's seconds.
        let seconds = (date.timeIntervalSince1970 + Double(CivilDay.beijingOffsetSeconds)).truncatingRemainder(dividingBy: 60)
        return date.addingTimeInterval(Double(wait * 60) - seconds)
    }

    static func beijingMinuteOfDay(_ date: Date) -> Int {
        let seconds = Int((date.timeIntervalSince1970 + Double(CivilDay.beijingOffsetSeconds)).rounded(.down))
        return ((seconds % 86_400) + 86_400) % 86_400 / 60
    }
}
