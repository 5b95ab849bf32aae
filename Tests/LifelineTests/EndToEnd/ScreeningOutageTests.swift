import Foundation
import LifelinePersistence
import Testing

extension FaultToleranceTests {
    /// Department screening's file import waits out a database outage in the middle of its batches
    /// (two at a time, some records deferred to later batches, a batch tried again after a lost
    /// commit): the job ends completed once PostgreSQL is back, without a restart, and every record is
    /// stored once with one feedback, every household warned once.
    @Test func aScreeningImportInFlightWaitsOutADatabaseOutage() async throws {
        let environment = try await FaultInfrastructure.up()
        let screening = try await Self.startAcceptingTestTokens("lifeline-department-screening", environment)
        defer { Self.stop([screening]) }
        let district = try await TestEnvironment.token(role: .district)

        // 300 households of one person in the service's registry copy (written directly: its replication
        // from intake is not what this tests), each with two records in the file far apart, so that two
        // facts of one household fall into different batches and make one warning.
        let tag = "O" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10)
        let households = (0..<300).map { "\(tag)H\($0)" }
        let people = try await TestDatabase.with(FaultInfrastructure.database(environment, schema: "department_screening")) { database in
            // ID numbers new to the registry (a run without a reset keeps earlier ones).
            var taken = Set<String>()
            for try await id in try await database.query("SELECT id_number FROM registry_members").decode(String.self) { taken.insert(id) }
            var people: [String] = []
            while people.count < households.count {
                // Of a region no other test registers: the service's registry copy replays earlier fault
                // tests' households (24,000 random 济阳 people) while this test runs, and one of them with
                // the same number would move the person to another household.
                let id = TestData.isolatedIdNumber()
                if taken.insert(id).inserted { people.append(id) }
            }
            return people
        }
        try await TestDatabase.with(FaultInfrastructure.database(environment, schema: "department_screening")) { database in
            try await database.query("""
                INSERT INTO registry_households (household_id, village_code, provisional, updated_at)
                SELECT h, '370125101001', false, now() FROM unnest(\(households)::text[]) AS h
                """)
            try await database.query("""
                INSERT INTO registry_members (id_number, household_id, name, relation)
                SELECT i, h, '王建国', '户主' FROM unnest(\(people)::text[], \(households)::text[]) AS u(i, h)
                """)
        }
        let rowCount = 16_000
        var rows = ["部门,记录编号,数据月份,公民身份号码,姓名,事实类型,发生日期,金额（分）,详情"]
        for n in 0..<rowCount {
            let registered = n % 50 == 0 ? (n / 50) % 300 : nil  // rows 0, 50, …: a household's low-income, then its temporary relief
            if let registered {
                let kind = n < 15_000 ? "新纳入低保" : "临时救助"
                rows.append("民政,\(tag)-\(n),2026-11,\(people[registered]),王建国,\(kind),2026-11-02,,")
            } else {
                rows.append("教体,\(tag)-\(n),2026-11,\(TestData.unregisteredIdNumber()),赵小虎,辍学风险,2026-11-08,,")  // nobody of the registry
            }
        }
        let upload = try await HTTP.request(
            "POST", "\(screening.baseURL)/v1/imports/records?fileName=outage.csv", body: Data((rows.joined(separator: "\r\n") + "\r\n").utf8),
            headers: ["Authorization": "Bearer \(district)", "Content-Type": "text/csv"])
        try #require(upload.status == 202, "\(upload.text)")
        let id = try #require(upload.json["id"] as? String)
        let job = { @Sendable () async -> [String: Any]? in try? await HTTP.get("\(screening.baseURL)/v1/imports/\(id)", token: district).json }

        let before = try await eventually("the import screening its batches", timeout: .seconds(120), interval: .milliseconds(50)) { () -> Int? in
            guard let job = await job(), job["status"] as? String == "running" else { return nil }
            let read = (job["counts"] as? [String: Any])?["rowsRead"] as? Int ?? 0
            return read > 0 ? read : nil
        }
        try await FaultInfrastructure.run("pg-stop")
        try await Task.sleep(for: Self.jobOutage)
        try await FaultInfrastructure.run("pg-start")

        let finished = try await eventually("the import finished", timeout: .seconds(240), interval: .seconds(1)) { () -> [String: Any]? in
            guard let job = await job(), let status = job["status"] as? String, status != "running", status != "queued" else { return nil }
            return job
        }
        print("reliability: PostgreSQL stopped \(Self.jobOutage) with \(before) of \(rowCount) screening rows done; import \(finished["status"] ?? "-")")
        #expect(screening.process.isRunning, "no restart")
        #expect(finished["status"] as? String == "completed", "\(finished)")
        #expect(before < rowCount, "the outage came before the end of the import")
        let counts = try #require(finished["counts"] as? [String: Any])
        let registeredRows = rowCount / 50
        #expect(counts["rowsRead"] as? Int == rowCount && counts["rejected"] as? Int == 0, "\(counts)")
        #expect(counts["unmatched"] as? Int == rowCount - registeredRows, "\(counts)")
        // A batch whose commit was lost with the connection counts its records as received before.
        let screened = (counts["warned"] as? Int ?? 0) + (counts["matchedWithoutWarning"] as? Int ?? 0) + (counts["alreadyReceived"] as? Int ?? 0)
        #expect(screened == registeredRows, "\(counts)")

        let stored = try await TestDatabase.with(FaultInfrastructure.database(environment, schema: "department_screening")) { database in
            (
                try await database.count("SELECT count(*)::bigint FROM department_records WHERE record_id LIKE \(tag + "-%")"),
                try await database.count("""
                    SELECT count(*)::bigint FROM outbox WHERE topic = 'department-screening.feedback' AND partition_key LIKE \(tag + "-%")
                    """),
                try await database.count("SELECT count(DISTINCT partition_key)::bigint FROM outbox WHERE partition_key LIKE \(tag + "-%")"),
                try await database.count("SELECT count(*)::bigint FROM warnings WHERE household_id = ANY(\(households))"),
                try await database.count("""
                    SELECT count(*)::bigint FROM department_records WHERE record_id LIKE \(tag + "-%") AND status = 'warned'
                    """)
            )
        }
        #expect(stored.0 == rowCount, "every record stored")
        #expect(stored.1 == rowCount && stored.2 == rowCount, "one feedback per record, none twice")
        #expect(stored.3 == households.count, "one warning per household")
        #expect(stored.4 == registeredRows, "both facts of each household warned")
        #expect((try? await HTTP.get("\(screening.baseURL)/health/ready").status) == 200)
    }
}
