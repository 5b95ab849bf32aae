import Foundation
import Synchronization

/// The grid's villages as the public paths look them up (the application page a QR code opens, the
/// check of every submission's village code), so that a scan or a submission does not cost a query.
///
/// A village found is remembered for `lifetime`: the grid changes by file import a few times a year,
/// and a renamed or removed village is seen by every instance within that time. A code not found is
/// asked again each time, so a village just imported is valid at once. At most `capacity` villages are
/// kept (a district has hundreds); beyond that the oldest half is forgotten.
final class VillageLookupCache: Sendable {
    private struct Entry {
        var village: VillageSummary
        var found: ContinuousClock.Instant
    }

    private let grid: GridStore
    private let lifetime: Duration
    private let capacity: Int
    private let entries = Mutex<[String: Entry]>([:])

    init(grid: GridStore, lifetime: Duration = .seconds(60), capacity: Int = 20_000) {
        self.grid = grid
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The village with its town's name, or nil when the code is not a village of the grid.
    func village(_ code: String) async throws -> VillageSummary? {
        let now = ContinuousClock.now
        if let entry = entries.withLock({ $0[code] }), now - entry.found < lifetime { return entry.village }
        guard let village = try await grid.village(code) else {
            entries.withLock { _ = $0.removeValue(forKey: code) }
            return nil
        }
        entries.withLock { entries in
            if entries.count >= capacity {
                let oldest = entries.sorted { $0.value.found < $1.value.found }.prefix(capacity / 2).map(\.key)
                for key in oldest { entries.removeValue(forKey: key) }
            }
            entries[code] = Entry(village: village, found: now)
        }
        return village
    }
}
