import Foundation
import LifelineEvents
import LifelinePersistence
import Logging
import Synchronization

/// The templates as the district keeps them: every version of every key, the newest in use. Version
/// 1 of each key in `TemplateCatalog` is written at start-up when missing. Rendering reads a copy
/// kept for `cacheSeconds`, so every instance uses a new version within that time.
final class TemplateStore: Sendable {
    /// A template version in use.
    struct Current: Sendable {
        var version: Int
        var title: String
        var template: MessageTemplate
    }

    /// One stored version.
    struct Version: Encodable, Sendable {
        var key: String
        var version: Int
        var title: String
        var body: String
        var createdBy: String
        var createdAt: Date
    }

    let database: Database
    let logger: Logger
    private let cacheSeconds: Double
    private let cache = Mutex<(loadedAt: Date, templates: [String: Current])?>(nil)

    init(database: Database, logger: Logger, cacheSeconds: Double = 10) {
        self.database = database
        self.logger = logger
        self.cacheSeconds = cacheSeconds
    }

    /// Writes version 1 of every catalogue key that has none yet.
    func seed() async throws {
        try await database.transaction { connection in
            for (key, entry) in TemplateCatalog.entries.sorted(by: { $0.key < $1.key }) {
                try await connection.query("""
                    INSERT INTO templates (key, version, title, body, created_by) VALUES (\(key), 1, \(entry.title), \(entry.body), 'system')
                    ON CONFLICT DO NOTHING
                    """, logger: logger)
            }
        }
    }

    /// The version in use for `key` (version 1 from the catalogue if the table has none).
    func current(_ key: String) async throws -> Current? {
        let now = Date()
        if let cached = cache.withLock({ $0 }), now.timeIntervalSince(cached.loadedAt) < cacheSeconds {
            return cached.templates[key]
        }
        var loaded: [String: Current] = [:]
        for (key, entry) in TemplateCatalog.entries {
            if let template = try? MessageTemplate(entry.body) { loaded[key] = Current(version: 1, title: entry.title, template: template) }
        }
        let rows = try await database.query("SELECT DISTINCT ON (key) key, version, title, body FROM templates ORDER BY key, version DESC")
        for try await (key, version, title, body) in rows.decode((String, Int, String, String).self) {
            // A stored text that no longer parses (it cannot be saved so) keeps the catalogue's.
            if let template = try? MessageTemplate(body) { loaded[key] = Current(version: version, title: title, template: template) }
        }
        cache.withLock { $0 = (now, loaded) }
        return loaded[key]
    }

    /// Every version of `key`, newest first.
    func versions(of key: String) async throws -> [Version] {
        var versions: [Version] = []
        let rows = try await database.query(
            "SELECT key, version, title, body, created_by, created_at FROM templates WHERE key = \(key) ORDER BY version DESC")
        for try await (key, version, title, body, by, at) in rows.decode((String, Int, String, String, String, Date).self) {
            versions.append(Version(key: key, version: version, title: title, body: body, createdBy: by, createdAt: at))
        }
        return versions
    }

    /// The newest version of every key.
    func all() async throws -> [Version] {
        var versions: [Version] = []
        let rows = try await database.query(
            "SELECT DISTINCT ON (key) key, version, title, body, created_by, created_at FROM templates ORDER BY key, version DESC")
        for try await (key, version, title, body, by, at) in rows.decode((String, Int, String, String, String, Date).self) {
            versions.append(Version(key: key, version: version, title: title, body: body, createdBy: by, createdAt: at))
        }
        return versions
    }

    /// Saves a new version of `key` after checking it; it is in use at once here, elsewhere within the
    /// cache's time.
    func addVersion(of key: String, title: String, body: String, by user: String) async throws -> Version {
        do {
            _ = try TemplateCatalog.check(body, for: key)
        } catch {
            throw NotificationError(TemplateCatalog.entries[key] == nil ? .notFound : .validationFailed, error.description, field: "body")
        }
        let title = title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty, title.count <= 40 else { throw NotificationError(.validationFailed, "标题应为1到40个字", field: "title") }
        let version = try await database.transaction { connection -> Version in
            // Serializes two editors of one key: the second gets the next number.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('notification.template.' || \(key)))", logger: logger)
            let rows = try await connection.query("""
                INSERT INTO templates (key, version, title, body, created_by)
                SELECT \(key), coalesce(max(version), 0) + 1, \(title), \(body), \(user) FROM templates WHERE key = \(key)
                RETURNING version, created_at
                """, logger: logger)
            for try await (version, at) in rows.decode((Int, Date).self) {
                return Version(key: key, version: version, title: title, body: body, createdBy: user, createdAt: at)
            }
            throw NotificationError(.internalError, "模板保存失败")
        }
        cache.withLock { $0 = nil }
        return version
    }
}
