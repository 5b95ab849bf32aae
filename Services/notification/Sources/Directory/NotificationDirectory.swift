import Foundation
import LifelineEvents
import LifelinePersistence
import LifelineRuntime
import Logging

/// Notification's copy of who can be reached: households' phones (the register's and the latest
/// applicant's) and WeChat openids from intake, the grid (units, their names and grid members) from
/// `intake.grid`, and the offices' e-mail addresses they gave notification.
struct NotificationDirectory: Sendable {
    let logger: Logger
    /// Villages' and towns' names change a few times a year: each is read at most once a minute.
    private let names = ExpiringCache<String, PlaceNames>(lifetime: .seconds(60))

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

    /// The applicants' phones (and openids) become their households' first way in: they asked for
    /// help. One statement for a run of applications; a household's latest application wins. An openid
    /// belongs to the phone of the application that gave it: it stays while later applications come from
    /// that phone, and goes with a phone that changes (so that a stranger's account, given with another
    /// phone, is never trusted once the register's phone applies without one).
    func apply(_ applications: [ApplicationSubmitted], on connection: PostgresConnection) async throws {
        var latest: [String: (village: String, phone: String, openId: String?)] = [:]
        var order: [String] = []
        for application in applications {
            let earlier = latest[application.householdId]
            if earlier == nil { order.append(application.householdId) }
            // A household's village is the first application's (a later one only updates the contact).
            let samePhone = earlier?.phone == application.applicant.phone
            latest[application.householdId] = (
                earlier?.village ?? application.villageCode, application.applicant.phone,
                application.wechatOpenId ?? (samePhone ? earlier?.openId : nil)
            )
        }
        let rows = order.map { ($0, latest[$0]!) }
        try await connection.query("""
            INSERT INTO household_contacts (household_id, village_code, applicant_phone, wechat_openid, updated_at)
            SELECT h, v, p, NULLIF(o, ''), '-infinity'
            FROM unnest(\(rows.map(\.0))::text[], \(rows.map(\.1.village))::text[], \(rows.map(\.1.phone))::text[],
                \(rows.map { $0.1.openId ?? "" })::text[]) AS a(h, v, p, o)
            ON CONFLICT (household_id) DO UPDATE SET applicant_phone = EXCLUDED.applicant_phone,
                wechat_openid = CASE WHEN EXCLUDED.wechat_openid IS NOT NULL THEN EXCLUDED.wechat_openid
                    WHEN EXCLUDED.applicant_phone = household_contacts.applicant_phone THEN household_contacts.wechat_openid END
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

    /// What the directory knows of the households, units and offices a run of notices names, read
    /// with a few statements for the whole run (`Known`).
    func lookUp(households: Set<String>, villages: Set<String>, offices: Set<String>, on connection: PostgresConnection) async throws -> Known {
        var known = Known()
        if !households.isEmpty {
            // The household (its successor when merged: phones, openid, household group and village), how
            // to reach it, and its household group.
            let rows = try await connection.query("""
                SELECT h.household_id, CASE WHEN s.household_id IS NOT NULL THEN s.household_group_id ELSE h.household_group_id END,
                    coalesce(s.register_phone, s.applicant_phone, h.register_phone, h.applicant_phone),
                    CASE WHEN s.household_id IS NOT NULL THEN
                        CASE WHEN s.register_phone IS NULL OR s.register_phone = s.applicant_phone THEN s.wechat_openid END
                    ELSE CASE WHEN h.register_phone IS NULL OR h.register_phone = h.applicant_phone THEN h.wechat_openid END END,
                    s.village_code
                FROM household_contacts h LEFT JOIN household_contacts s ON s.household_id = h.superseded_by
                WHERE h.household_id = ANY(\(Array(households))::text[])
                """, logger: logger)
            for try await (household, group, phone, openId, successorVillage) in rows.decode((String, String?, String?, String?, String?).self) {
                known.contacts[household] = HouseholdContact(phone: phone, wechatOpenId: openId)
                if let group { known.householdGroups[household] = group }
                if let successorVillage { known.successorVillages[household] = successorVillage }
            }
        }
        let units = villages.union(known.householdGroups.values).union(known.successorVillages.values)
        if !units.isEmpty {
            let rows = try await connection.query(
                "SELECT code, members::text FROM grid_units WHERE code = ANY(\(Array(units))::text[])", logger: logger)
            for try await (code, text) in rows.decode((String, String).self) {
                let members = try JSONDecoder().decode([GridUnitRegistered.Member].self, from: Data(text.utf8))
                known.unitMembers[code] = members.filter { $0.duty.contains("网格") || $0.duty.contains("联户") }
                    .map { GridMember(id: $0.id, name: $0.name, phone: $0.phone) }
            }
        }
        if !offices.isEmpty {
            let rows = try await connection.query(
                "SELECT office_code, email FROM office_emails WHERE office_code = ANY(\(Array(offices))::text[])", logger: logger)
            for try await (office, email) in rows.decode((String, String).self) { known.emails[office] = email }
        }
        known.placeNames = try await placeNames(of: villages, on: connection)
        return known
    }

    /// The villages' and their towns' names, when the grid has them: from the cache, the others read
    /// with one statement.
    private func placeNames(of villages: Set<String>, on connection: PostgresConnection) async throws -> [String: PlaceNames] {
        var found: [String: PlaceNames] = [:]
        var missing: [String] = []
        for village in villages {
            if let cached = names.value(for: village) { found[village] = cached } else { missing.append(village) }
        }
        guard !missing.isEmpty else { return found }
        let rows = try await connection.query("""
            WITH RECURSIVE up (origin, code, level, name, parent_code, depth) AS (
                SELECT code, code, level, name, parent_code, 0 FROM grid_units WHERE code = ANY(\(missing)::text[])
                UNION ALL
                SELECT up.origin, g.code, g.level, g.name, g.parent_code, up.depth + 1
                FROM grid_units g JOIN up ON g.code = up.parent_code WHERE up.depth < 4
            )
            SELECT origin, level, name FROM up
            """, logger: logger)
        var read: [String: PlaceNames] = Dictionary(uniqueKeysWithValues: missing.map { ($0, PlaceNames()) })
        for try await (origin, level, name) in rows.decode((String, String, String).self) {
            if level == GridUnitLevel.village.rawValue { read[origin]?.village = name }
            if level == GridUnitLevel.town.rawValue { read[origin]?.town = name }
        }
        for (village, names) in read {
            self.names.remember(names, for: village)
            found[village] = names
        }
        return found
    }
}

/// A village's and its town's names.
struct PlaceNames: Sendable, Hashable {
    var village: String?
    var town: String?
}

/// What the directory knew of a run's households, units and offices when it was read.
struct Known: Sendable {
    var contacts: [String: NotificationDirectory.HouseholdContact] = [:]
    /// Household → its household group's code (a grid unit); a merged household's is its successor's.
    var householdGroups: [String: String] = [:]
    /// A household merged into another → the successor's village, whose grid members now look after it.
    var successorVillages: [String: String] = [:]
    /// Grid unit → its members whose duty is a grid member's (网格长, 网格员, 联户长).
    var unitMembers: [String: [NotificationDirectory.GridMember]] = [:]
    /// Office code → the e-mail address it gave.
    var emails: [String: String] = [:]
    var placeNames: [String: PlaceNames] = [:]

    /// The household's grid members: the 联户长 of its household group, else the village unit's
    /// members whose duty is a grid member's (the successor's village for a merged household), else nobody.
    func gridMembers(of household: String?, village: String?) -> [NotificationDirectory.GridMember] {
        if let household, let group = householdGroups[household], let members = unitMembers[group], !members.isEmpty { return members }
        guard let village = household.flatMap({ successorVillages[$0] }) ?? village else { return [] }
        return unitMembers[village] ?? []
    }
}
