import Foundation
@testable import Intake
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging

/// Puts villages into intake's grid, as the district's grid import or the demo data would.
enum TestGrid {
    /// The village `code` of 垛石镇 with a management area, two household groups (`code + "001"`,
    /// `code + "002"`), a village official and one 联户长 per group (`GM<group code>`).
    /// `phones` are the three members' work mobiles (fixed by default; pass unique ones where accounts
    /// are opened for them, since an account's mobile number is unique).
    static func village(_ code: String, name: String = "测试村", phones: [String] = ["13900000001", "13900000002", "13900000003"]) async throws {
        let town = String(code.prefix(9))
        let area = town + "A99"
        let grid = Grid(
            units: [
                GridUnit(level: .town, code: town, name: town == "370115103" ? "曲堤镇" : "垛石镇", parentCode: nil),
                GridUnit(level: .managementArea, code: area, name: "测试管区", parentCode: town),
                GridUnit(level: .village, code: code, name: name, parentCode: area),
                GridUnit(level: .householdGroup, code: code + "001", name: "第一联户网格", parentCode: code),
                GridUnit(level: .householdGroup, code: code + "002", name: "第二联户网格", parentCode: code),
            ],
            members: [
                GridMember(id: "GM\(code)A", name: "王建国", phone: phones[0], duty: "村网格长", level: .village, unitCode: code),
                GridMember(id: "GM\(code)001", name: "李春花", phone: phones[1], duty: "联户长", level: .householdGroup, unitCode: code + "001"),
                GridMember(id: "GM\(code)002", name: "赵志强", phone: phones[2], duty: "联户长", level: .householdGroup, unitCode: code + "002"),
            ])
        try await withIntakeDatabase { database in
            try await GridStore(database: database, logger: Logger(label: "test-grid")).upsert(grid, publisher: publisher(database))
        }
    }

    /// Intake's publisher (events wait in intake's outbox until an intake instance relays them).
    static func publisher(_ database: Database) -> EventPublisher {
        EventPublisher(source: "/lifeline/intake", outbox: OutboxStore(database: database, logger: Logger(label: "test-grid")))
    }

    /// The events of type `Event` waiting or sent in intake's outbox with one of `keys`, oldest first.
    static func outboxEvents<Event: DomainEvent>(_ type: Event.Type, keys: [String]) async throws -> [Event] {
        try await withIntakeDatabase { database in
            var events: [Event] = []
            for try await payload in try await database.query("""
                SELECT payload FROM outbox WHERE topic = \(Event.topic.name) AND headers->>'ce_type' = \(Event.eventType)
                    AND partition_key = ANY(\(keys)) ORDER BY id
                """).decode(ByteBuffer.self) {
                events.append(try EventJSON.decoder.decode(Event.self, from: Data(payload.readableBytesView)))
            }
            return events
        }
    }

    /// Runs `body` with intake's schema migrated (as the service would have done).
    static func withIntakeDatabase<T: Sendable>(_ body: @escaping @Sendable (Database) async throws -> T) async throws -> T {
        try await TestDatabase.with(try TestEnvironment.database(schema: "intake")) { database in
            try await Migrator(database: database, logger: Logger(label: "test-grid")).migrate(SharedMigrations.all + IntakeMigrations.all)
            return try await body(database)
        }
    }

    /// An importer writing intake's schema and outbox.
    static func importer(_ database: Database, chunkSize: Int = 1000) -> HouseholdImporter {
        let logger = Logger(label: "test-import")
        return HouseholdImporter(
            database: database, publisher: EventPublisher(source: "/lifeline/intake", outbox: OutboxStore(database: database, logger: logger)),
            grid: GridStore(database: database, logger: logger), logger: logger, chunkSize: chunkSize)
    }
}
