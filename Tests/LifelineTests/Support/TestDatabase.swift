import Foundation
import LifelinePersistence
import Logging

enum TestDatabase {
    /// Runs `body` with a connected pool for `configuration`, then closes it.
    static func with<T: Sendable>(_ configuration: DatabaseConfiguration, _ body: @Sendable (Database) async throws -> T) async throws -> T {
        let database = Database(configuration: configuration, logger: Logger(label: "test-db"))
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await database.run()
                return nil
            }
            await database.waitUntilRunning()
            defer { group.cancelAll() }
            return try await body(database)
        }
    }

    /// A first-column integer from a query run as the service role owning `schema`.
    static func count(schema: String, _ query: PostgresQuery) async throws -> Int {
        try await with(try TestEnvironment.database(schema: schema)) { database in
            for try await value in try await database.query(query).decode(Int64.self) { return Int(value) }
            return 0
        }
    }

    /// A throwaway schema owned by the test role, dropped afterwards.
    static func withScratchSchema<T: Sendable>(_ body: @Sendable (DatabaseConfiguration) async throws -> T) async throws -> T {
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let configuration = try TestEnvironment.database(schema: schema, username: "svc_lifeline_test")
        _ = try await with(configuration) { database in
            try await database.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"))
        }
        do {
            let result = try await body(configuration)
            try await dropSchema(configuration)
            return result
        } catch {
            try? await dropSchema(configuration)
            throw error
        }
    }

    private static func dropSchema(_ configuration: DatabaseConfiguration) async throws {
        _ = try await with(configuration) { database in
            try await database.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(configuration.schema) CASCADE"))
        }
    }
}
