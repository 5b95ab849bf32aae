import LifelineRuntime

/// The grid's villages as the public paths look them up (the application page a QR code opens, the
/// check of every submission's village code), so that a scan or a submission does not cost a query.
///
/// A village found is remembered for `lifetime`: the grid changes by file import a few times a year,
/// and a renamed village is seen by every instance within that time. A code not found is asked again
/// each time, so a village just imported is valid at once.
final class VillageLookupCache: Sendable {
    private let grid: GridStore
    private let found: ExpiringCache<String, VillageSummary>

    init(grid: GridStore, lifetime: Duration = .seconds(60)) {
        self.grid = grid
        found = ExpiringCache(lifetime: lifetime, capacity: 20_000)
    }

    /// The village with its town's name, or nil when the code is not a village of the grid.
    func village(_ code: String) async throws -> VillageSummary? {
        if let village = found.value(for: code) { return village }
        guard let village = try await grid.village(code) else {
            found.forget(code)
            return nil
        }
        found.remember(village, for: code)
        return village
    }
}
