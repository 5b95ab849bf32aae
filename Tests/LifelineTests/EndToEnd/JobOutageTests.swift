import Foundation
import LifelinePersistence
import Testing

extension FaultToleranceTests {
    /// Long jobs wait out a database outage: a household import in the middle of its batches and a
    /// poster run in the middle of its villages when PostgreSQL stops for `jobOutage`. Both end
    /// completed once it is back (no restart), with every household in once and published once, and
    /// the poster archive whole.
    @Test func anImportAndAPosterRunInFlightWaitOutADatabaseOutage() async throws {
        let environment = try await FaultInfrastructure.up()
        let intake = try await Self.startAcceptingTestTokens("lifeline-intake", environment)
        defer { Self.stop([intake]) }
        let district = try await TestEnvironment.token(role: .district, region: "370115")

        // A town of its own with 12 more villages (a run without a reset adds to it), each with one household group.
        let town = "370115105"
        let area = town + "A" + String(format: "%02d", Int.random(in: 10...99))
        let villages = (0..<12).map { _ in TestData.villageCode(town: town) }
        var grid = ["层级,代码,名称,上级代码,网格员编号,网格员姓名,联系电话,职务", "镇街,\(town),孙耿街道,370115,,,,", "管区,\(area),测试管区,\(town),,,,"]
        for (index, village) in villages.enumerated() {
            grid.append("村,\(village),测试\(index + 1)村,\(area),,,,")
            grid.append("联户网格,\(village)001,第一联户网格,\(village),,,,")
        }
        let loaded = try await HTTP.request(
            "POST", "\(intake.baseURL)/v1/grid/imports", body: Data((grid.joined(separator: "\n") + "\n").utf8),
            headers: ["Authorization": "Bearer \(district)", "Content-Type": "text/csv"])
        try #require(loaded.status == 200, "\(loaded.text)")

        // 8,000 households of three: long enough in a debug build that the outage falls between batches.
        let households = 8_000
        var file = HouseholdFile()
        // ID numbers new to this file and to the registry (a run without a reset keeps earlier ones).
        var idNumbers = try await TestDatabase.with(FaultInfrastructure.database(environment, schema: "intake")) { database in
            var taken = Set<String>()
            for try await id in try await database.query("SELECT id_number FROM household_members").decode(String.self) { taken.insert(id) }
            return taken
        }
        let prefix = "F" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10)
        let householdIds = (0..<households).map { prefix + String(format: "%06d", $0) }
        for (index, household) in householdIds.enumerated() {
            let village = villages[index % villages.count]
            for relation in ["户主", "配偶", "子女"] {
                var id = TestData.idNumber()
                while !idNumbers.insert(id).inserted { id = TestData.idNumber() }
                file.member(household: household, village: village, group: village + "001", name: "测试成员", idNumber: id, relation: relation)
            }
        }
        let upload = try await HTTP.request(
            "POST", "\(intake.baseURL)/v1/imports/households?fileName=outage.csv", body: Data(file.csv.utf8),
            headers: ["Authorization": "Bearer \(district)", "Content-Type": "text/csv"])
        try #require(upload.status == 202, "\(upload.text)")
        let importId = try #require(upload.json["id"] as? String)
        let importJob = { @Sendable () async -> [String: Any]? in
            try? await HTTP.get("\(intake.baseURL)/v1/imports/\(importId)", token: district).json
        }
        // The posters start once the import writes its batches, so that both are under way together.
        _ = try await eventually("the import writing", timeout: .seconds(120), interval: .milliseconds(100)) { () -> Bool? in
            guard let job = await importJob() else { return nil }
            return ((job["counts"] as? [String: Any])?["rowsAccepted"] as? Int ?? 0) > 0 ? true : nil
        }
        let started = try await HTTP.request(
            "POST", "\(intake.baseURL)/v1/poster-runs", json: ["region": town, "format": "png"], headers: ["Authorization": "Bearer \(district)"])
        try #require(started.status == 202, "\(started.text)")
        let runId = try #require(started.json["id"] as? String)

        // Stop PostgreSQL while the import is writing its batches and the posters are being drawn.
        let posterRun = { @Sendable () async -> [String: Any]? in
            try? await HTTP.get("\(intake.baseURL)/v1/poster-runs/\(runId)", token: district).json
        }
        let before = try await eventually("the import writing and the posters drawn", timeout: .seconds(120), interval: .milliseconds(100)) {
            () -> Int? in
            guard let job = await importJob(), let run = await posterRun() else { return nil }
            let accepted = (job["counts"] as? [String: Any])?["rowsAccepted"] as? Int ?? 0
            return accepted > 0 && job["status"] as? String == "running" && run["status"] as? String == "running" ? accepted : nil
        }
        try await FaultInfrastructure.run("pg-stop")
        try await Task.sleep(for: Self.jobOutage)
        try await FaultInfrastructure.run("pg-start")

        let job = try await eventually("the import finished", timeout: .seconds(240), interval: .seconds(1)) { () -> [String: Any]? in
            guard let job = await importJob(), let status = job["status"] as? String, status != "running", status != "queued" else { return nil }
            return job
        }
        let run = try await eventually("the poster run finished", timeout: .seconds(240), interval: .seconds(1)) { () -> [String: Any]? in
            guard let run = await posterRun(), let status = run["status"] as? String, status != "running", status != "queued" else { return nil }
            return run
        }
        print("reliability: PostgreSQL stopped \(Self.jobOutage) with \(before) of \(households * 3) import rows written; import \(job["status"] ?? "-"), posters \(run["status"] ?? "-")")
        #expect(intake.process.isRunning, "no restart")
        #expect(job["status"] as? String == "completed", "\(job)")
        let counts = try #require(job["counts"] as? [String: Any])
        #expect(counts["rowsAccepted"] as? Int == households * 3 && counts["rowsRejected"] as? Int == 0, "\(counts)")
        #expect(before < households * 3, "the outage came before the end of the import")
        let drawn = try #require(run["villagesTotal"] as? Int)
        #expect(run["status"] as? String == "completed" && run["villagesDone"] as? Int == drawn && drawn >= villages.count, "\(run)")
        let archive = try await HTTP.get("\(intake.baseURL)/v1/poster-runs/\(runId)/archive", token: district)
        #expect(archive.status == 200)
        #expect(Self.zipEntries(archive.body) == drawn, "one poster per village in the ZIP")

        // Every household once, with its three members, and published once.
        let stored = try await TestDatabase.with(FaultInfrastructure.database(environment, schema: "intake")) { database in
            let households = try await database.count("SELECT count(*)::bigint FROM households WHERE id = ANY(\(householdIds))")
            let members = try await database.count("SELECT count(*)::bigint FROM household_members WHERE household_id = ANY(\(householdIds))")
            let events = try await database.count("""
                SELECT count(*)::bigint FROM outbox WHERE headers->>'ce_type' = 'lifeline.intake.HouseholdRegistered.v1' AND partition_key = ANY(\(householdIds))
                """)
            return (households, members, events)
        }
        #expect(stored.0 == households && stored.1 == households * 3)
        #expect(stored.2 == households, "each household published once, not again for a batch tried again")
        #expect((try? await HTTP.get("\(intake.baseURL)/health/ready").status) == 200)
    }

    /// The outage for the jobs test (shorter than the stream's: the jobs' waiting is the same at any length).
    static let jobOutage = Duration.seconds(Int(ProcessInfo.processInfo.environment["LIFELINE_FAULT_JOB_PG_SECONDS"] ?? "") ?? 15)

    /// Entries in a ZIP archive, as its end-of-central-directory record counts them.
    static func zipEntries(_ data: Data) -> Int {
        let bytes = [UInt8](data)
        guard bytes.count >= 22 else { return 0 }
        for start in stride(from: bytes.count - 22, through: max(0, bytes.count - 22 - 65_535), by: -1)
        where bytes[start..<start + 4].elementsEqual([0x50, 0x4B, 0x05, 0x06]) {
            return Int(bytes[start + 10]) | Int(bytes[start + 11]) << 8
        }
        return 0
    }
}
