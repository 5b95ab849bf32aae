import Foundation
import Logging

/// The outbox relay's leadership of one schema: a lease row that the leader renews and any instance
/// may take once it has expired. Times are the database server's, so instances' clocks do not matter.
public struct RelayLease: Sendable {
    /// This instance's name in the lease (host, process and a random part).
    public let holder: String
    private let database: Database

    /// Creates the lease accessor for one instance.
    public init(database: Database, holder: String = RelayLease.makeHolderName()) {
        self.database = database
        self.holder = holder
    }

    /// A name that tells operators which process leads: `host/pid/random`.
    public static func makeHolderName() -> String {
        "\(ProcessInfo.processInfo.hostName)/\(ProcessInfo.processInfo.processIdentifier)/\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Takes the lease if it is free or expired, or renews it if this instance holds it; returns
    /// whether this instance holds it now, for `duration` from the server's clock.
    public func acquireOrRenew(for duration: Duration) async throws -> Bool {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return try await database.count("""
            WITH taken AS (
                UPDATE outbox_relay_lease SET holder = \(holder), expires_at = clock_timestamp() + make_interval(secs => \(seconds))
                WHERE id = 1 AND (holder = \(holder) OR expires_at < clock_timestamp())
                RETURNING 1)
            SELECT count(*)::bigint FROM taken
            """) == 1
    }

    /// Gives the lease up at once so a standby can take it without waiting for it to expire.
    public func release() async throws {
        try await database.query("UPDATE outbox_relay_lease SET expires_at = '-infinity' WHERE id = 1 AND holder = \(holder)")
    }

    /// The current holder, if the lease has not expired.
    public func currentHolder() async throws -> String? {
        let rows = try await database.query("SELECT holder FROM outbox_relay_lease WHERE id = 1 AND expires_at >= clock_timestamp()")
        for try await holder in rows.decode(String?.self) { return holder }
        return nil
    }
}
