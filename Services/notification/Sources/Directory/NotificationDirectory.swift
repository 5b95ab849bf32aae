import Foundation
import LifelineEvents
import LifelinePersistence
import Logging
import Synchronization

/// Notification's copy of who can be reached: households' phones (the register's and the latest
/// applicant's) and WeChat openids from intake, the grid (units, their names and grid members) from
/// `intake.grid`, and the offices' e-mail addresses they gave notification.
struct NotificationDirectory: Sendable {
    let logger: Logger
    /// Villages' and towns' names change a few times a year: each is read at most once a minute.
    private let names = PlaceNameCache(seconds: 60)

    init(logger: Logger) {
        self.logger = logger
    }

    /// A grid member to reach.
    struct GridMember: Sendable, Hashable {
        var id: String
        var name: String
        var phone: String
    }

    /// A household's ways in for messages that do not name a contact: the register's phone before the
    /// latest applicant's (an applicant only proved a name and an ID number), and the WeChat openid only
    /// when the application that gave it came from the register's phone (or the register has none).
    struct HouseholdContact: Sendable, Hashable {
        var phone: String?
        var wechatOpenId: String?
    }

    // MARK: keeping the copy

    func apply(_ household: HouseholdRegistered, on connection: PostgresConnection) async throws {
        let head = household.members.first { $0.relation == "户主" && MobileNumber.isValid($0.phone ?? "") }
        let phone = (head ?? household.members.first { MobileNumber.isValid($0.phone ?? "") })?.phone
        try await connection.query("""
            INSERT INTO household_contacts (household_id, village_code, household_group_id, register_phone, superseded_by, updated_at)
            VALUES (\(household.householdId), \(household.villageCode), \(household.householdGroupId), \(phone), \(household.supersededBy),
                \(household.updatedAt))
            ON CONFLICT (household_id) DO UPDATE SET village_code = EXCLUDED.village_code, household_group_id = EXCLUDED.household_group_id,
                register_phone = EXCLUDED.register_phone, superseded_by = EXCLUDED.superseded_by, updated_at = EXCLUDED.updated_at
            WHERE household_contacts.updated_at <= EXCLUDED.updated_at
            """, logger: logger)
    }

    /// The applicant's phone (and openid) become the household's first way in: they asked for help.
    func apply(_ application: ApplicationSubmitted, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO household_contacts (household_id, village_code, applicant_phone, wechat_openid, updated_at)
            VALUES (\(application.householdId), \(application.villageCode), \(application.applicant.phone), \(application.wechatOpenId),
                '-infinity')
            ON CONFLICT (household_id) DO UPDATE SET applicant_phone = EXCLUDED.applicant_phone,
                wechat_openid = coalesce(EXCLUDED.wechat_openid, household_contacts.wechat_openid)
            """, logger: logger)
    }

    func apply(_ unit: GridUnitRegistered, on connection: PostgresConnection) async throws {
        let members = String(decoding: try JSONEncoder().encode(unit.members), as: UTF8.self)
        try await connection.query("""
            INSERT INTO grid_units (code, level, name, parent_code, members, updated_at)
            VALUES (\(unit.code), \(unit.level.rawValue), \(unit.name), \(unit.parentCode), \(members)::jsonb, \(unit.updatedAt))
            ON CONFLICT (code) DO UPDATE SET level = EXCLUDED.level, name = EXCLUDED.name, parent_code = EXCLUDED.parent_code,
                members = EXCLUDED.members, updated_at = EXCLUDED.updated_at
            WHERE grid_units.updated_at <= EXCLUDED.updated_at
            """, logger: logger)
    }

    // MARK: looking up

    /// The household (its successor when merged) and how to reach it.
    func contact(of household: String, on connection: PostgresConnection) async throws -> HouseholdContact? {
        let rows = try await connection.query("""
            SELECT coalesce(s.register_phone, s.applicant_phone, h.register_phone, h.applicant_phone),
                CASE WHEN s.household_id IS NOT NULL THEN
                    CASE WHEN s.register_phone IS NULL OR s.register_phone = s.applicant_phone THEN s.wechat_openid END
                ELSE CASE WHEN h.register_phone IS NULL OR h.register_phone = h.applicant_phone THEN h.wechat_openid END END
            FROM household_contacts h LEFT JOIN household_contacts s ON s.household_id = h.superseded_by
            WHERE h.household_id = \(household)
            """, logger: logger)
        for try await (phone, openId) in rows.decode((String?, String?).self) {
            return HouseholdContact(phone: phone, wechatOpenId: openId)
        }
        return nil
    }

    /// The household's grid members: the 联户长 of its household group, else the village unit's
    /// members whose duty is a grid member's (网格长, 网格员), else nobody.
    func gridMembers(of household: String?, village: String?, on connection: PostgresConnection) async throws -> [GridMember] {
        var group: String?
        if let household {
            for try await value in try await connection.query(
                "SELECT household_group_id FROM household_contacts WHERE household_id = \(household)", logger: logger
            ).decode(String?.self) { group = value }
        }
        if let group, let members = try await members(of: group, on: connection), !members.isEmpty { return members }
        guard let village else { return [] }
        return try await members(of: village, on: connection) ?? []
    }

    private func members(of unit: String, on connection: PostgresConnection) async throws -> [GridMember]? {
        let rows = try await connection.query("SELECT members::text FROM grid_units WHERE code = \(unit)", logger: logger)
        for try await text in rows.decode(String.self) {
            let members = try JSONDecoder().decode([GridUnitRegistered.Member].self, from: Data(text.utf8))
            return members.filter { $0.duty.contains("网格") || $0.duty.contains("联户") }
                .map { GridMember(id: $0.id, name: $0.name, phone: $0.phone) }
        }
        return nil
    }

    /// The village's and its town's names, when the grid has them.
    func placeNames(of village: String, on connection: PostgresConnection) async throws -> (village: String?, town: String?) {
        if let cached = names.get(village) { return cached }
        let found = try await readPlaceNames(of: village, on: connection)
        names.put(village, found)
        return found
    }

    private func readPlaceNames(of village: String, on connection: PostgresConnection) async throws -> (village: String?, town: String?) {
        let rows = try await connection.query("""
            WITH RECURSIVE up (code, level, name, parent_code, depth) AS (
                SELECT code, level, name, parent_code, 0 FROM grid_units WHERE code = \(village)
                UNION ALL
                SELECT g.code, g.level, g.name, g.parent_code, up.depth + 1 FROM grid_units g JOIN up ON g.code = up.parent_code WHERE up.depth < 4
            )
            SELECT level, name FROM up
            """, logger: logger)
        var names: (village: String?, town: String?) = (nil, nil)
        for try await (level, name) in rows.decode((String, String).self) {
            if level == GridUnitLevel.village.rawValue { names.village = name }
            if level == GridUnitLevel.town.rawValue { names.town = name }
        }
        return names
    }

    /// The e-mail address an office gave, if any.
    func email(of office: String, on connection: PostgresConnection) async throws -> String? {
        for try await email in try await connection.query(
            "SELECT email FROM office_emails WHERE office_code = \(office)", logger: logger
        ).decode(String.self) { return email }
        return nil
    }
}

/// Place names read recently, per village code.
final class PlaceNameCache: Sendable {
    private let seconds: Double
    private let entries = Mutex<[String: (at: Date, village: String?, town: String?)]>([:])

    init(seconds: Double) {
        self.seconds = seconds
    }

    func get(_ village: String) -> (village: String?, town: String?)? {
        entries.withLock { entries in
            guard let entry = entries[village], Date().timeIntervalSince(entry.at) < seconds else { return nil }
            return (entry.village, entry.town)
        }
    }

    func put(_ village: String, _ names: (village: String?, town: String?)) {
        entries.withLock { entries in
            if entries.count > 10_000 { entries.removeAll() }
            entries[village] = (Date(), names.village, names.town)
        }
    }
}
