import Foundation
import LifelineAuth
import LifelineEvents
import LifelinePersistence
import Logging

/// Finds the household and village of a work order (找户): the household the source named; else the
/// caller's ID number, then phone, among registered members; the village the source named, else the one
/// the address was spoken about; then the caller's name within that village. An order about another
/// household (a third party calling) is not matched by the caller's own identity. What stays unknown
/// goes to the town's triage list (or the district's when the village is unknown too).
struct WorkOrderResolver: Sendable {
    let logger: Logger

    struct Resolution: Sendable, Hashable {
        var householdId: String?
        var villageCode: String?
        /// How: `source`, `idNumber`, `phone`, `name`, or `none`; and `address` when the village came from it.
        var by: String
        var villageBy: String?
    }

    /// `grid` keeps the grid's units (read when an address is first needed) for the next orders of a
    /// batch.
    func resolve(_ order: WorkOrderPushed, thirdParty: Bool, grid: inout AddressMatcher?, on connection: PostgresConnection) async throws -> Resolution {
        var village = order.villageCode.flatMap { $0.count == 12 && DivisionCode.isValid($0) ? $0 : nil }
        var villageBy: String? = village == nil ? nil : "source"
        if let household = order.householdId, let found = try await current(household, on: connection) {
            return Resolution(householdId: found.household, villageCode: found.village, by: "source", villageBy: "source")
        }
        let caller = order.caller
        if !thirdParty, let text = caller?.idNumber, case .success(let number) = CitizenIdNumber.parse(text),
           let found = try await household(where: "m.id_number = \(number.value)", on: connection) {
            return Resolution(householdId: found.household, villageCode: found.village, by: "idNumber", villageBy: "registry")
        }
        let phone = HotlineRegistry.digits(caller?.phone ?? "")
        if !thirdParty, phone.count == 11, let found = try await household(where: "m.phone = \(phone)", on: connection) {
            return Resolution(householdId: found.household, villageCode: found.village, by: "phone", villageBy: "registry")
        }
        if village == nil, let address = order.address, !address.isEmpty {
            if grid == nil { grid = try await matcher(on: connection) }
            village = grid?.village(in: address)
            if village != nil { villageBy = "address" }
        }
        if !thirdParty, let village, let name = caller?.name?.filter({ !$0.isWhitespace }), name.count >= 2,
           let found = try await household(where: "m.name = \(name) AND h.village_code = \(village)", on: connection) {
            return Resolution(householdId: found.household, villageCode: found.village, by: "name", villageBy: villageBy)
        }
        return Resolution(householdId: nil, villageCode: village, by: "none", villageBy: villageBy)
    }

    /// The one current household of the members found (none when there are several: a phone two
    /// households share names neither).
    private func household(where condition: PostgresQuery, on connection: PostgresConnection) async throws -> (household: String, village: String)? {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT DISTINCT h.household_id FROM registry_members m JOIN registry_households h ON h.household_id = m.household_id
            WHERE \(condition.sql) LIMIT 2
            """, binds: condition.binds), logger: logger)
        var households: [String] = []
        for try await household in rows.decode(String.self) { households.append(household) }
        guard households.count == 1 else { return nil }
        return try await current(households[0], on: connection)
    }

    /// The household that absorbed `household`, following `supersededBy`.
    private func current(_ household: String, on connection: PostgresConnection) async throws -> (household: String, village: String)? {
        var id = household
        for _ in 0..<10 {
            let rows = try await connection.query(
                "SELECT village_code, superseded_by FROM registry_households WHERE household_id = \(id)", logger: logger)
            var next: (String, String?)?
            for try await row in rows.decode((String, String?).self) { next = row }
            guard let (village, successor) = next else { return nil }
            guard let successor else { return (id, village) }
            id = successor
        }
        return nil
    }

    private func matcher(on connection: PostgresConnection) async throws -> AddressMatcher {
        var towns: [AddressMatcher.Unit] = [], villages: [AddressMatcher.Unit] = []
        let rows = try await connection.query(
            "SELECT code, level, name FROM grid_units WHERE level IN ('town', 'village')", logger: logger)
        for try await (code, level, name) in rows.decode((String, String, String).self) {
            if level == "town" { towns.append(.init(code: code, name: name)) } else { villages.append(.init(code: code, name: name)) }
        }
        return AddressMatcher(towns: towns, villages: villages)
    }
}
