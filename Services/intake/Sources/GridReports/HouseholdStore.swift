import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime
import Logging

/// A household as officials and grid members see it: ID numbers masked to the first 6 and last 4
/// digits (`370115********1234`), and each member's age in whole years, never the birth date: the birth
/// date is digits 7–14 of the ID number, so the two together would give the number back in full.
struct HouseholdView: Codable, Sendable {
    struct Member: Codable, Sendable {
        var name: String
        var relation: String
        var idNumberMasked: String
        var age: Int?
        var sex: String?
    }

    var id: String
    var villageCode: String
    var householdGroupCode: String?
    var provisional: Bool
    var formerlyPoor: Bool
    var source: String
    var members: [Member]
}

/// Intake's SQL for reading households and confirming provisional ones.
struct HouseholdStore: Sendable {
    let database: Database
    let publisher: EventPublisher
    let logger: Logger

    /// One household with its members, or nil (also for a household merged into another).
    func household(_ id: String) async throws -> HouseholdView? {
        try await households([id]).first
    }

    /// Households of a region (by village-code prefix) or of some household groups, newest first.
    func list(regionPrefix: String, groups: [String]?, provisionalOnly: Bool, limit: Int, offset: Int) async throws -> [HouseholdView] {
        var ids: [String] = []
        let prefix = regionPrefix + "%"
        let rows: PostgresRowSequence
        if let groups {
            rows = try await database.query("""
                SELECT id FROM households WHERE household_group_id = ANY(\(groups)) AND village_code LIKE \(prefix) AND superseded_by IS NULL
                    AND (\(!provisionalOnly) OR provisional) ORDER BY id LIMIT \(limit) OFFSET \(offset)
                """)
        } else {
            rows = try await database.query("""
                SELECT id FROM households WHERE village_code LIKE \(prefix) AND superseded_by IS NULL AND (\(!provisionalOnly) OR provisional)
                ORDER BY provisional DESC, id LIMIT \(limit) OFFSET \(offset)
                """)
        }
        for try await id in rows.decode(String.self) { ids.append(id) }
        let found = try await households(ids)
        let order = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        return found.sorted { order[$0.id, default: 0] < order[$1.id, default: 0] }
    }

    private func households(_ ids: [String]) async throws -> [HouseholdView] {
        guard !ids.isEmpty else { return [] }
        var views: [String: HouseholdView] = [:]
        let rows = try await database.query("""
            SELECT id, village_code, household_group_id, provisional, formerly_poor, source FROM households
            WHERE id = ANY(\(ids)) AND superseded_by IS NULL
            """)
        for try await (id, village, group, provisional, poor, source) in rows.decode((String, String, String?, Bool, Bool, String).self) {
            views[id] = HouseholdView(
                id: id, villageCode: village, householdGroupCode: group, provisional: provisional, formerlyPoor: poor, source: source, members: [])
        }
        let members = try await database.query("""
            SELECT household_id, name, relation, id_number, date_part('year', age((now() AT TIME ZONE 'Asia/Shanghai')::date, birth_date))::int, sex
            FROM household_members WHERE household_id = ANY(\(ids)) ORDER BY household_id, position, name
            """)
        for try await (household, name, relation, idNumber, age, sex) in members.decode((String, String, String, String, Int?, String?).self) {
            views[household]?.members.append(.init(name: name, relation: relation, idNumberMasked: CitizenIdNumber.masked(idNumber), age: age, sex: sex))
        }
        return Array(views.values)
    }

    /// Confirms a provisional household into a household group of its village and republishes it.
    func confirm(_ id: String, groupCode: String, by user: String) async throws {
        try await database.transaction { connection in
            let rows = try await connection.query("""
                UPDATE households h SET provisional = false, household_group_id = \(groupCode), confirmed_at = now(), confirmed_by = \(user),
                    updated_at = now()
                WHERE h.id = \(id) AND h.provisional
                    AND EXISTS (SELECT 1 FROM grid_units g WHERE g.code = \(groupCode) AND g.level = 'household-group' AND g.parent_code = h.village_code)
                RETURNING village_code, formerly_poor
                """, logger: logger)
            var updated: (String, Bool)?
            for try await row in rows.decode((String, Bool).self) { updated = row }
            guard let (village, poor) = updated else {
                throw IntakeError(.notConfirmable, "该户不是待确认的临时户，或联户网格不属于该村", field: "householdGroupCode")
            }
            let members = try await Self.registeredMembers(of: id, on: connection, logger: logger)
            try await publisher.publish(HouseholdRegistered(
                householdId: id, villageCode: village, householdGroupId: groupCode, provisional: false, members: members, updatedAt: Date(),
                formerlyPoor: poor, source: "self-application"), on: connection)
        }
    }

    /// A household's members as `HouseholdRegistered` publishes them, everything the registry holds.
    static func registeredMembers(of household: String, on connection: PostgresConnection, logger: Logger) async throws -> [HouseholdRegistered.Member] {
        var members: [HouseholdRegistered.Member] = []
        let rows = try await connection.query("""
            SELECT name, id_number, relation, to_char(birth_date, 'YYYY-MM-DD'), sex, phone, labour_ability, health_status,
                minimum_living_allowance, extreme_poverty_support
            FROM household_members WHERE household_id = \(household) ORDER BY position, name
            """, logger: logger)
        for try await (name, idNumber, relation, birth, sex, phone, labour, health, allowance, extreme) in rows.decode(
            (String, String, String, String?, String?, String?, String?, String?, Bool?, Bool?).self)
        {
            members.append(.init(
                name: name, idNumber: idNumber, relation: relation, birthDate: birth, sex: sex, phone: phone,
                labourAbility: labour.map(LabourAbility.init(uncheckedRawValue:)), healthStatus: health.map(HealthStatus.init(uncheckedRawValue:)),
                minimumLivingAllowance: allowance, extremePovertySupport: extreme))
        }
        return members
    }
}
