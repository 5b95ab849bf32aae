import Foundation
import LifelineFiles
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging

/// The running totals of an import.
struct ImportCounts: Sendable, Hashable, Codable {
    var rowsRead = 0
    var rowsAccepted = 0
    var rowsRejected = 0
    var householdsCreated = 0
    var householdsUpdated = 0
    var householdsUnchanged = 0
}

/// Where an import reports problems and progress as it goes (the import job, or a command line).
struct ImportReporter: Sendable {
    var problems: @Sendable ([RowProblem]) async throws -> Void
    var progress: @Sendable (ImportCounts) async throws -> Void
    var started: @Sendable (_ format: String, _ estimatedRows: Int?) async throws -> Void = { _, _ in }
}

/// Imports a household-member file into the registry.
///
/// Rows are checked one by one (ID check digit, dates, codes, duplicates, references to the grid and
/// the caller's jurisdiction); each bad row is reported with its line and reason and the rest goes
/// in. Rows are grouped by household number (a household's rows need not be adjacent), then
/// households are written in batches, each batch one transaction with its registry events. A
/// household whose content is unchanged is not written and publishes nothing, so importing the same
/// file again changes nothing.
///
/// The import waits out a database outage (each batch is tried again until PostgreSQL answers): it
/// ends late, not failed. A batch whose commit was lost with the connection is found unchanged when
/// tried again, so its households count as unchanged rather than created.
///
/// Memory: the accepted rows are held until the file is read (about 250 bytes per member; a
/// district's 500,000 people take about 120 MB), because exports do not promise a household's rows
/// are adjacent.
struct HouseholdImporter: Sendable {
    let database: Database
    let publisher: EventPublisher
    let grid: GridStore
    let logger: Logger
    var batchSize = 500

    private var retry: DatabaseRetry { DatabaseRetry(logger: logger) }

    private struct Draft {
        var members: [ImportedMember]
        var head: ImportedMember { members[0] }
    }

    func run(file: URL, region: String, reporter: ImportReporter) async throws -> ImportCounts {
        // Opening an XLSX parses the whole sheet and counting a CSV's lines reads the whole file: both
        // run on a dispatch thread, not on the server's cooperative threads.
        let opened: Opened
        do {
            opened = try await BlockingWork.run { Opened(source: try TabularFile.open(file), estimatedRows: Self.estimateRows(file)) }
        } catch let error as TabularFileError {
            throw ImportFailure(error)
        }
        let source = opened.source
        try await reporter.started(source.encodingName, opened.estimatedRows)
        let index = try await retry.run("grid references") { try await grid.referenceIndex() }
        var counts = ImportCounts()
        var pending: [RowProblem] = []
        func reject(_ problems: [RowProblem]) async throws {
            pending += problems
            if pending.count >= 1000 {
                try await reporter.problems(pending)
                pending.removeAll(keepingCapacity: true)
            }
        }

        // Read and check every row.
        guard let headerRow = try Self.nextRow(source) else {
            throw ImportFailure(code: .empty, message: "文件为空")
        }
        let columns: HouseholdColumnMap
        switch HouseholdColumnMap.make(header: headerRow.cells) {
        case .success(let map): columns = map
        case .failure(let failure): throw failure
        }
        var drafts: [String: Draft] = [:]
        var order: [String] = []
        var seenIds: [String: Int] = [:]
        while let row = try Self.nextRow(source) {
            if row.isBlank { continue }
            counts.rowsRead += 1
            if counts.rowsRead % 5000 == 0 {
                try await reporter.progress(counts)
                await Task.yield()
            }
            let member: ImportedMember
            switch HouseholdRowParser.parse(row, columns: columns) {
            case .failure(let rejected):
                counts.rowsRejected += 1
                try await reject(rejected.problems)
                continue
            case .success(let parsed): member = parsed
            }
            if let problem = Self.referenceProblem(member, index: index, region: region, drafts: drafts, seenIds: seenIds) {
                counts.rowsRejected += 1
                try await reject([problem])
                continue
            }
            seenIds[member.idNumber] = member.line
            if member.isHead, let head = drafts[member.householdNumber]?.members.first(where: \.isHead) {
                counts.rowsRejected += 1
                try await reject([RowProblem(line: member.line, field: HouseholdFileColumn.relation.rawValue, reason: "本户已有户主（第\(head.line)行）")])
                continue
            }
            if drafts[member.householdNumber] == nil {
                order.append(member.householdNumber)
                drafts[member.householdNumber] = Draft(members: [member])
            } else {
                drafts[member.householdNumber]!.members.append(member)
            }
        }

        // Every household needs exactly one head; the head goes first.
        var ready: [Draft] = []
        ready.reserveCapacity(order.count)
        for number in order {
            guard var draft = drafts.removeValue(forKey: number) else { continue }
            guard let headIndex = draft.members.firstIndex(where: \.isHead) else {
                counts.rowsRejected += draft.members.count
                try await reject(draft.members.map {
                    RowProblem(line: $0.line, field: HouseholdFileColumn.relation.rawValue, reason: "该户没有户主（与户主关系为“户主”的成员），整户未导入")
                })
                continue
            }
            draft.members.insert(draft.members.remove(at: headIndex), at: 0)
            ready.append(draft)
        }
        let fileHouseholds = Set(ready.map(\.head.householdNumber))

        // Write in batches.
        var start = 0
        while start < ready.count {
            let batch = Array(ready[start..<min(start + batchSize, ready.count)])
            start += batchSize
            // A batch is one transaction, and writing it again changes nothing more (unchanged content
            // is skipped), so a database outage is waited out instead of failing the import.
            let (problems, written) = try await retry.run("household import batch") {
                try await write(batch, fileHouseholds: fileHouseholds, region: region)
            }
            counts.rowsRejected += problems.count
            try await reject(problems)
            counts.rowsAccepted += written.accepted
            counts.householdsCreated += written.created
            counts.householdsUpdated += written.updated
            counts.householdsUnchanged += written.unchanged
            try await reporter.progress(counts)
        }
        if !pending.isEmpty { try await reporter.problems(pending) }
        try await reporter.progress(counts)
        return counts
    }

    static func nextRow(_ source: any TabularRowSource) throws -> TabularRow? {
        do {
            return try source.next()
        } catch let error as TabularFileError {
            throw ImportFailure(error)
        }
    }

    /// A problem with the row's references: unknown village or group, outside the caller's region, a
    /// duplicate ID number, or a household whose rows disagree.
    private static func referenceProblem(
        _ member: ImportedMember, index: GridReferenceIndex, region: String, drafts: [String: Draft], seenIds: [String: Int]
    ) -> RowProblem? {
        func problem(_ column: HouseholdFileColumn, _ reason: String) -> RowProblem {
            RowProblem(line: member.line, field: column.rawValue, reason: reason)
        }
        guard index.villages[member.villageCode] != nil else { return problem(.villageCode, "网格中没有这个村") }
        guard DivisionCode.contains(region, member.villageCode) else { return problem(.villageCode, "该村不在本账号管辖范围内") }
        guard let groupVillage = index.groupVillage[member.householdGroupCode] else { return problem(.householdGroupCode, "网格中没有这个联户网格") }
        guard groupVillage == member.villageCode else { return problem(.householdGroupCode, "该联户网格不属于本行的村") }
        if let line = seenIds[member.idNumber] { return problem(.idNumber, "与第\(line)行的证件号码重复") }
        if let first = drafts[member.householdNumber]?.members.first {
            if first.villageCode != member.villageCode { return problem(.villageCode, "与本户第\(first.line)行的村代码不一致") }
            if first.householdGroupCode != member.householdGroupCode { return problem(.householdGroupCode, "与本户第\(first.line)行的联户网格不一致") }
            if first.formerlyPoor != member.formerlyPoor { return problem(.formerlyPoor, "与本户第\(first.line)行不一致") }
            if first.monitoringCategory != member.monitoringCategory { return problem(.monitoringCategory, "与本户第\(first.line)行不一致") }
        }
        return nil
    }

    private struct Written {
        var accepted = 0
        var created = 0
        var updated = 0
        var unchanged = 0
    }

    /// Writes one batch of households in one transaction; returns the rows it had to reject.
    ///
    /// A household number already registered in a village outside `region` is refused (an import may
    /// not take over another town's household). An ID number registered in another household may
    /// move only if that household is inside `region` and is either in this file too (a member
    /// changing households) or was created by a self-application, provisional or confirmed (the
    /// district's file now places the applicant: that household is merged into the imported one);
    /// otherwise the row is refused.
    private func write(_ batch: [Draft], fileHouseholds: Set<String>, region: String) async throws -> ([RowProblem], Written) {
        try await database.transaction { connection in
            var problems: [RowProblem] = []
            let ids = batch.flatMap { $0.members.map(\.idNumber) }
            var registered: [String: (household: String, village: String, selfApplied: Bool)] = [:]
            for try await (id, household, village, selfApplied) in try await connection.query("""
                SELECT m.id_number, m.household_id, h.village_code, h.source = 'self-application'
                FROM household_members m JOIN households h ON h.id = m.household_id
                WHERE m.id_number = ANY(\(ids))
                """, logger: logger).decode((String, String, String, Bool).self) {
                registered[id] = (household, village, selfApplied)
            }
            var existingVillage: [String: String] = [:]
            for try await (id, village) in try await connection.query(
                "SELECT id, village_code FROM households WHERE id = ANY(\(batch.map(\.head.householdNumber)))", logger: logger
            ).decode((String, String).self) {
                existingVillage[id] = village
            }
            var moved: [String] = []
            var merges: [(provisional: String, into: String)] = []
            var households: [Draft] = []
            for var draft in batch {
                if let village = existingVillage[draft.head.householdNumber], !DivisionCode.contains(region, village) {
                    problems += draft.members.map {
                        RowProblem(line: $0.line, field: HouseholdFileColumn.householdNumber.rawValue, reason: "该户编号已登记在本账号管辖范围以外的村")
                    }
                    continue
                }
                var kept: [ImportedMember] = []
                var moving: [String] = []
                var merging: [(String, String)] = []
                for member in draft.members {
                    if let other = registered[member.idNumber], other.household != member.householdNumber {
                        if other.selfApplied, !fileHouseholds.contains(other.household), DivisionCode.contains(region, other.village) {
                            merging.append((other.household, member.householdNumber))
                        }
                        guard fileHouseholds.contains(other.household) || other.selfApplied, DivisionCode.contains(region, other.village) else {
                            problems.append(RowProblem(
                                line: member.line, field: HouseholdFileColumn.idNumber.rawValue, reason: "该证件号码已登记在其他户"))
                            continue
                        }
                        moving.append(member.idNumber)
                    }
                    kept.append(member)
                }
                guard let head = kept.first, head.isHead else {
                    problems += kept.map {
                        RowProblem(line: $0.line, field: HouseholdFileColumn.relation.rawValue, reason: "本户户主未能导入，整户未导入")
                    }
                    continue
                }
                moved += moving
                merges += merging
                draft.members = kept
                households.append(draft)
            }
            var written = Written()
            guard !households.isEmpty else { return (problems, written) }
            if !moved.isEmpty {
                // The households they leave no longer match their stored content: forget it, so the next
                // import of those households rewrites them whatever this file says about them.
                try await connection.query("""
                    WITH left_behind AS (DELETE FROM household_members WHERE id_number = ANY(\(moved)) RETURNING household_id)
                    UPDATE households SET content_hash = NULL WHERE id IN (SELECT household_id FROM left_behind)
                    """, logger: logger)
            }
            let changed = try await upsertHouseholds(households, on: connection)
            written.accepted = households.reduce(0) { $0 + $1.members.count }
            written.created = changed.values.filter { $0 }.count
            written.updated = changed.count - written.created
            written.unchanged = households.count - changed.count
            let changedDrafts = households.filter { changed[$0.head.householdNumber] != nil }
            guard !changedDrafts.isEmpty else { return (problems, written) }
            try await replaceMembers(of: changedDrafts, on: connection)
            let now = Date()
            try await publisher.publishAll(changedDrafts.map { draft in
                HouseholdRegistered(
                    householdId: draft.head.householdNumber, villageCode: draft.head.villageCode, householdGroupId: draft.head.householdGroupCode,
                    provisional: false,
                    members: draft.members.map {
                        .init(
                            name: $0.name, idNumber: $0.idNumber, relation: $0.relation, birthDate: $0.birthDate, sex: $0.sex, phone: $0.phone,
                            labourAbility: $0.labourAbility, healthStatus: $0.healthStatus, minimumLivingAllowance: $0.minimumLivingAllowance,
                            extremePovertySupport: $0.extremePovertySupport)
                    },
                    updatedAt: now, formerlyPoor: draft.head.formerlyPoor, source: "import", monitoringCategory: draft.head.monitoringCategory)
            }, on: connection)
            try await merge(merges, on: connection, at: now)
            return (problems, written)
        }
    }

    /// Moves what hangs on a self-application household (applications, visits, meeting decisions) to
    /// the imported household its applicant now belongs to; the old household, left without members, is
    /// marked superseded and republished empty, naming its successor. Applications and visits take the
    /// new household's village; meeting decisions move only within the same village (a meeting decided
    /// about its own village's households).
    private func merge(_ merges: [(provisional: String, into: String)], on connection: PostgresConnection, at now: Date) async throws {
        guard !merges.isEmpty else { return }
        var superseded: [HouseholdRegistered] = []
        for (old, successor) in merges {
            // First the old household's row: a self-application reading it (FOR SHARE) commits before
            // the rows that hang on it are moved, so none is left behind.
            try await connection.query("SELECT id FROM households WHERE id = \(old) FOR UPDATE", logger: logger)
            try await connection.query("""
                UPDATE applications a SET household_id = \(successor), village_code = h.village_code
                FROM households h WHERE h.id = \(successor) AND a.household_id = \(old)
                """, logger: logger)
            try await connection.query("""
                UPDATE grid_visits v SET household_id = \(successor), village_code = h.village_code
                FROM households h WHERE h.id = \(successor) AND v.household_id = \(old)
                """, logger: logger)
            try await connection.query("""
                UPDATE meeting_decisions d SET household_id = \(successor) WHERE household_id = \(old)
                    AND (SELECT village_code FROM households WHERE id = \(old)) = (SELECT village_code FROM households WHERE id = \(successor))
                    AND NOT EXISTS (SELECT 1 FROM meeting_decisions o WHERE o.meeting_id = d.meeting_id AND o.household_id = \(successor))
                """, logger: logger)
            for try await village in try await connection.query("""
                UPDATE households SET provisional = false, superseded_by = \(successor), content_hash = NULL, updated_at = now()
                WHERE id = \(old) AND NOT EXISTS (SELECT 1 FROM household_members WHERE household_id = \(old))
                RETURNING village_code
                """, logger: logger).decode(String.self) {
                superseded.append(HouseholdRegistered(
                    householdId: old, villageCode: village, householdGroupId: nil, provisional: false, members: [], updatedAt: now,
                    source: "merged", supersededBy: successor))
            }
        }
        try await publisher.publishAll(superseded, on: connection)
    }

    /// Inserts new households and updates changed ones; returns the changed ids (true = created).
    private func upsertHouseholds(_ households: [Draft], on connection: PostgresConnection) async throws -> [String: Bool] {
        let ids = households.map(\.head.householdNumber)
        let villages = households.map(\.head.villageCode)
        let groups = households.map(\.head.householdGroupCode)
        let poor = households.map { $0.head.formerlyPoor ? "t" : "f" }
        let contents = households.map(Self.canonicalContent)
        let categories = households.map { $0.head.monitoringCategory?.rawValue ?? "" }
        let rows = try await connection.query("""
            INSERT INTO households (id, village_code, household_group_id, provisional, formerly_poor, monitoring_category, source, content_hash,
                created_at, updated_at)
            SELECT id, village, grp, false, poor::boolean, NULLIF(category, ''), 'import', md5(content), now(), now()
            FROM unnest(\(ids)::text[], \(villages)::text[], \(groups)::text[], \(poor)::text[], \(categories)::text[], \(contents)::text[])
                AS i(id, village, grp, poor, category, content)
            ON CONFLICT (id) DO UPDATE SET village_code = EXCLUDED.village_code, household_group_id = EXCLUDED.household_group_id,
                formerly_poor = EXCLUDED.formerly_poor, monitoring_category = EXCLUDED.monitoring_category, provisional = false,
                source = 'import', content_hash = EXCLUDED.content_hash, updated_at = now()
            WHERE households.content_hash IS DISTINCT FROM EXCLUDED.content_hash
            RETURNING id, (xmax = 0)
            """, logger: logger)
        var changed: [String: Bool] = [:]
        for try await (id, created) in rows.decode((String, Bool).self) { changed[id] = created }
        return changed
    }

    private func replaceMembers(of households: [Draft], on connection: PostgresConnection) async throws {
        let ids = households.map(\.head.householdNumber)
        try await connection.query("DELETE FROM household_members WHERE household_id = ANY(\(ids))", logger: logger)
        var householdIds: [String] = [], idNumbers: [String] = [], names: [String] = [], relations: [String] = []
        var births: [String] = [], sexes: [String] = [], phones: [String] = [], positions: [Int] = []
        var labour: [String] = [], health: [String] = [], allowance: [String] = [], extreme: [String] = []
        func flag(_ value: Bool?) -> String { value.map { $0 ? "t" : "f" } ?? "" }
        for household in households {
            for (position, member) in household.members.enumerated() {
                householdIds.append(member.householdNumber)
                idNumbers.append(member.idNumber)
                names.append(member.name)
                relations.append(member.relation)
                births.append(member.birthDate)
                sexes.append(member.sex)
                phones.append(member.phone ?? "")
                positions.append(position)
                labour.append(member.labourAbility?.rawValue ?? "")
                health.append(member.healthStatus?.rawValue ?? "")
                allowance.append(flag(member.minimumLivingAllowance))
                extreme.append(flag(member.extremePovertySupport))
            }
        }
        try await connection.query("""
            INSERT INTO household_members (household_id, id_number, name, relation, birth_date, sex, phone, position,
                labour_ability, health_status, minimum_living_allowance, extreme_poverty_support)
            SELECT h, i, n, r, NULLIF(b, '')::date, NULLIF(s, ''), NULLIF(p, ''), o, NULLIF(la, ''), NULLIF(hs, ''),
                NULLIF(ma, '')::boolean, NULLIF(ep, '')::boolean
            FROM unnest(\(householdIds)::text[], \(idNumbers)::text[], \(names)::text[], \(relations)::text[], \(births)::text[],
                \(sexes)::text[], \(phones)::text[], \(positions)::int8[], \(labour)::text[], \(health)::text[], \(allowance)::text[],
                \(extreme)::text[]) AS m(h, i, n, r, b, s, p, o, la, hs, ma, ep)
            """, logger: logger)
    }

    /// Everything that makes up a household's registry entry, in a stable form, for change detection.
    private static func canonicalContent(_ draft: Draft) -> String {
        // The registry columns added later are appended only when present, so a household read from a
        // file without them keeps the hash it had before they existed.
        var parts = [draft.head.villageCode, draft.head.householdGroupCode, draft.head.formerlyPoor ? "1" : "0"]
        if let category = draft.head.monitoringCategory { parts[2] += "|" + category.rawValue }
        for member in draft.members {
            var fields = [member.idNumber, member.name, member.relation, member.birthDate, member.sex, member.phone ?? ""]
            let registry = [
                member.labourAbility?.rawValue ?? "", member.healthStatus?.rawValue ?? "",
                member.minimumLivingAllowance.map { $0 ? "1" : "0" } ?? "", member.extremePovertySupport.map { $0 ? "1" : "0" } ?? "",
            ]
            if registry.contains(where: { !$0.isEmpty }) { fields += registry }
            parts.append(fields.joined(separator: "\u{1F}"))
        }
        return parts.joined(separator: "\u{1E}")
    }

    /// An opened file, handed from the dispatch thread that opened it to the import (used by one task).
    private struct Opened: @unchecked Sendable {
        var source: any TabularRowSource
        var estimatedRows: Int?
    }

    /// Lines in a CSV file (an upper bound on its rows), for progress; nil for XLSX.
    static func estimateRows(_ file: URL) -> Int? {
        guard let handle = try? FileHandle(forReadingFrom: file) else { return nil }
        defer { try? handle.close() }
        var lines = 0
        var first = true
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            if first, chunk.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return nil }
            first = false
            lines += chunk.withUnsafeBytes { bytes in bytes.reduce(into: 0) { count, byte in if byte == 0x0A { count += 1 } } }
        }
        return max(0, lines - 1)
    }
}
