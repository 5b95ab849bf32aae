import Foundation
import Insurance
import LifelineAuth
import LifelineEvents
import LifelinePersistence
import Testing

extension EndToEndTests {
    // Nested in EndToEndTests, whose serialization covers it: its services' consumer groups are the ones
    // the other end-to-end tests run, and two tests starting the same group at once can leave a ghost
    // member in Tansu's group (docs/adr/0002).
    /// Insurance through the real service, PostgreSQL and the broker: coverage from intake's and review's
    /// events and the towns' certifications, claims filed once, decided and paid by the insurer with the
    /// rule's breakdown, events read back by an outside client, the fund's reports, and two instances
    /// approving hundreds of claims at once against a nearly empty fund. Each test works in a policy year
    /// of its own (an unused year before 2020), so earlier runs on the same database never interfere.
    @Suite(.tags(.integration, .endToEnd)) struct InsuranceClaimsTests {
        static let town = "370115101"

        /// An unused policy year before 2020, set by the district with a fund and a medical rule.
        static func policyYear(_ insurance: String, fundFen: Int64, rule: [String: Any], thresholds: [Int] = [8000, 9500]) async throws -> Int {
            let district = try await TestEnvironment.token(role: .district)
            for _ in 0..<60 {
                let year = Int.random(in: 1990...2019)
                guard try await HTTP.get("\(insurance)/v1/policy-years/\(year)", token: district).status == 404 else { continue }
                let set = try await HTTP.request(
                    "PUT", "\(insurance)/v1/policy-years/\(year)",
                    json: ["name": "\(year)年度测试方案", "fundFen": fundFen, "thresholdsBasisPoints": thresholds, "lines": [rule]],
                    headers: ["Authorization": "Bearer \(district)"])
                #expect(set.status == 200, "\(set.text)")
                return year
            }
            throw TimedOut(what: "an unused policy year")
        }

        static func medicalRule(deductibleFen: Int64, ratio: Int, claimCapFen: Int64, yearCapFen: Int64) -> [String: Any] {
            [
                "line": "medical", "deductibleFen": deductibleFen, "ratioBasisPoints": ratio, "categoryRatios": ["unstableFormerlyPoor": 8000],
                "claimCapFen": claimCapFen, "yearCapFen": yearCapFen, "lossKinds": [["code": "hospitalization", "name": "住院医疗费用"]],
                "deductOtherPayments": true,
            ]
        }

        static func household(village: String, category: MonitoringCategory?) -> HouseholdRegistered {
            HouseholdRegistered(
                householdId: TestData.unique("IH").replacingOccurrences(of: "-", with: ""), villageCode: village, householdGroupId: nil, provisional: false,
                members: [.init(name: "王保国", idNumber: TestData.idNumber(), relation: "户主")], updatedAt: Date(), monitoringCategory: category)
        }

        static func claim(_ household: String, year: Int, lossFen: Int64, otherFen: Int64 = 0, account: String = "6217000012345678") -> [String: Any] {
            [
                "householdId": household, "line": "medical", "lossKind": "hospitalization", "incidentDate": "\(year)-06-15", "lossFen": lossFen,
                "otherPayments": otherFen > 0 ? [["source": "基本医保", "amountFen": otherFen]] : [], "description": "户主住院治疗",
                "documents": ["住院发票", "费用清单"], "payee": ["name": "王保国", "bankName": "济阳农商银行", "accountNumber": account],
            ]
        }

        static func post(_ url: String, _ body: [String: Any], token: String, key: String? = nil) async throws -> HTTPResult {
            var headers = ["Authorization": "Bearer \(token)"]
            if let key { headers["Idempotency-Key"] = key }
            return try await HTTP.request("POST", url, json: body, headers: headers)
        }

        static func registered(_ households: [HouseholdRegistered]) async throws {
            try await OutsideSystem.publish(households, source: "/lifeline/intake")
            _ = try await eventually("insurance's registry copy", timeout: .seconds(90)) { () -> Bool? in
                let count = try await TestDatabase.count(
                    schema: "insurance", "SELECT count(*) FROM households WHERE household_id = ANY(\(households.map(\.householdId)))")
                return count == households.count ? true : nil
            }
        }

        @Test func aClaimIsFiledOnceDecidedByRulePaidAndToldOnKafka() async throws {
            let service = try await InProcessService.start(InsuranceService.definition)
            do {
                let insurance = service.baseURL
                let village = TestData.villageCode(town: Self.town)
                let (townToken, insurer, district) = (
                    try await TestEnvironment.token(role: .town, region: Self.town), try await TestEnvironment.token(role: .insurer),
                    try await TestEnvironment.token(role: .district))
                // Fund 5,000 yuan; 1,000 yuan deductible, 60% (80% for 脱贫不稳定户), 3,000 per claim, 4,000 per year.
                let year = try await Self.policyYear(
                    insurance, fundFen: 500_000, rule: Self.medicalRule(deductibleFen: 100_000, ratio: 6000, claimCapFen: 300_000, yearCapFen: 400_000))
                let monitored = Self.household(village: village, category: .unstableFormerlyPoor)
                let outsider = Self.household(village: village, category: nil)
                let elsewhere = Self.household(village: TestData.villageCode(town: "370115102"), category: .marginal)
                let watched = Self.household(village: village, category: .suddenHardship)
                try await Self.registered([monitored, outsider, elsewhere, watched])

                // Review's events decide coverage: monitored from MonitoringStarted to RiskEliminated (which
                // also ends what the register recorded), not after.
                let caseId = TestData.unique("AJ")
                try await OutsideSystem.publish([MonitoringStarted(
                    householdId: watched.householdId, villageCode: village, caseId: caseId, category: .suddenHardship, risks: [.illness], people: 3,
                    startedOn: "\(year)-01-10")], source: "/lifeline/review")
                try await OutsideSystem.publish([RiskEliminated(
                    householdId: watched.householdId, villageCode: village, caseId: caseId, category: .suddenHardship, eliminatedOn: "\(year)-03-31")],
                    source: "/lifeline/review")
                _ = try await eventually("the monitoring period ended", timeout: .seconds(90)) { () -> Bool? in
                    try await TestDatabase.count(
                        schema: "insurance", "SELECT count(*) FROM monitoring_periods WHERE case_id = \(caseId) AND ended_on IS NOT NULL") == 1 ? true : nil
                }
                let during = try await HTTP.get("\(insurance)/v1/households/\(watched.householdId)/coverage?on=\(year)-03-31", token: insurer)
                #expect(during.json["basis"] as? String == "monitored" && during.json["category"] as? String == "suddenHardship", "\(during.text)")
                let after = try await HTTP.get("\(insurance)/v1/households/\(watched.householdId)/coverage?on=\(year)-04-01", token: townToken)
                #expect(after.json["covered"] as? Bool == false && (after.json["monitoringPeriods"] as? [[String: Any]])?.count == 1)

                // An elimination that arrives before the household (a first start reads review's small topic
                // long before intake's) still ends what the register records when it comes.
                let early = Self.household(village: village, category: .marginal)
                try await OutsideSystem.publish([RiskEliminated(
                    householdId: early.householdId, villageCode: village, caseId: TestData.unique("AJ"), category: .marginal, eliminatedOn: "\(year)-02-28")],
                    source: "/lifeline/review")
                _ = try await eventually("the elimination kept before its household", timeout: .seconds(90)) { () -> Bool? in
                    try await TestDatabase.count(
                        schema: "insurance", "SELECT count(*) FROM register_monitoring_ends WHERE household_id = \(early.householdId)") == 1 ? true : nil
                }
                try await Self.registered([early])
                let beforeEnd = try await HTTP.get("\(insurance)/v1/households/\(early.householdId)/coverage?on=\(year)-02-28", token: insurer)
                #expect(beforeEnd.json["basis"] as? String == "registry", "\(beforeEnd.text)")
                let afterEnd = try await HTTP.get("\(insurance)/v1/households/\(early.householdId)/coverage?on=\(year)-03-01", token: insurer)
                #expect(afterEnd.json["covered"] as? Bool == false, "\(afterEnd.text)")

                // Filing needs a key; a retry with it finds the first claim, another claim under it is refused.
                let body = Self.claim(monitored.householdId, year: year, lossFen: 600_000, otherFen: 100_000)
                let noKey = try await Self.post("\(insurance)/v1/claims", body, token: townToken)
                #expect(noKey.status == 400 && (noKey.json["error"] as? [String: Any])?["field"] as? String == "Idempotency-Key")
                let key = TestData.unique("claim")
                let filed = try await Self.post("\(insurance)/v1/claims", body, token: townToken, key: key)
                #expect(filed.status == 201, "\(filed.text)")
                let claimId = try #require(filed.json["claimId"] as? String)
                #expect(claimId.hasPrefix("LP") && filed.json["status"] as? String == "filed" && filed.json["coverage"] as? String == "registry")
                // (6,000 − 1,000 other − 1,000 deductible) × 80% = 3,200 → capped at 3,000 per claim.
                let estimate = try #require(filed.json["estimate"] as? [[String: Any]])
                #expect(estimate.compactMap { $0["step"] as? String } == ["loss", "otherPayments", "deductible", "ratio", "claimCap"])
                #expect(estimate.last?["amountFen"] as? Int == 300_000)
                #expect((filed.json["payee"] as? [String: Any])?["accountMasked"] as? String == "**** **** **** 5678")
                #expect(!filed.text.contains("6217000012345678"))
                let retry = try await Self.post("\(insurance)/v1/claims", body, token: townToken, key: key)
                #expect(retry.status == 200 && retry.json["claimId"] as? String == claimId && retry.json["duplicate"] as? Bool == true)
                let doubleClick = try await Self.post("\(insurance)/v1/claims", body, token: townToken, key: TestData.unique("claim"))
                #expect(doubleClick.status == 200 && doubleClick.json["claimId"] as? String == claimId)
                var other = body
                other["lossFen"] = 700_000
                let reused = try await Self.post("\(insurance)/v1/claims", other, token: townToken, key: key)
                #expect(reused.status == 422 && (reused.json["error"] as? [String: Any])?["code"] as? String == "idempotency_key_reused")
                let sealed = try await TestDatabase.count(
                    schema: "insurance", "SELECT count(*) FROM claims WHERE id = \(claimId) AND account_sealed NOT LIKE '%5678%' AND account_last4 = '5678'")
                #expect(sealed == 1)

                // Jurisdiction: another town's household is not found; a village, a department or a hotline operator may not file or read.
                let foreign = try await Self.post(
                    "\(insurance)/v1/claims", Self.claim(elsewhere.householdId, year: year, lossFen: 500_000), token: townToken, key: TestData.unique("c"))
                #expect(foreign.status == 404)
                // A district official of another district reads neither a claim nor a coverage here.
                let otherDistrict = try await TestEnvironment.token(role: .district, region: "370112")
                #expect(try await HTTP.get("\(insurance)/v1/claims/\(claimId)", token: otherDistrict).status == 404)
                #expect(try await HTTP.get("\(insurance)/v1/households/\(monitored.householdId)/coverage?on=\(year)-06-15", token: otherDistrict).status == 404)
                #expect(try await HTTP.get("\(insurance)/v1/claims/\(claimId)", token: district).status == 200)
                for role in [Role.village, .department, .hotlineOperator] {
                    let token = try await TestEnvironment.token(role: role, region: role == .village ? village : "370115")
                    #expect(try await Self.post("\(insurance)/v1/claims", body, token: token, key: TestData.unique("c")).status == 403)
                    #expect(try await HTTP.get("\(insurance)/v1/claims/\(claimId)", token: token).status == 403)
                }
                let neighbourTown = try await TestEnvironment.token(role: .town, region: "370115102")
                #expect(try await HTTP.get("\(insurance)/v1/claims/\(claimId)", token: neighbourTown).status == 404)
                #expect(try await Self.post("\(insurance)/v1/claims/\(claimId)/approval", [:], token: townToken).status == 403)

                // A household outside monitoring is covered only once its town certifies a hardship (audited).
                let uncovered = Self.claim(outsider.householdId, year: year, lossFen: 300_000, account: "6228480012349999")
                let refused = try await Self.post("\(insurance)/v1/claims", uncovered, token: townToken, key: TestData.unique("c"))
                #expect(refused.status == 422 && (refused.json["error"] as? [String: Any])?["code"] as? String == "not_covered")
                let badCertification = try await Self.post(
                    "\(insurance)/v1/certifications", ["householdId": outsider.householdId, "kind": "bored", "reason": "", "validFrom": "x"], token: townToken)
                #expect(Set(((badCertification.json["error"] as? [String: Any])?["details"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
                    == ["kind", "reason", "validFrom"])
                let certified = try await Self.post("\(insurance)/v1/certifications", [
                    "householdId": outsider.householdId, "kind": "suddenHardship", "reason": "突发火灾，家中主要劳动力受伤住院", "validFrom": "\(year)-06-01",
                ], token: townToken)
                #expect(certified.status == 201 && certified.json["validUntil"] as? String == "\(year + 1)-05-31", "\(certified.text)")
                let certificationId = try #require(certified.json["certificationId"] as? String)
                #expect(try await TestDatabase.count(
                    schema: "insurance", "SELECT count(*) FROM audit_log WHERE subject = \(certificationId) AND action = 'certification.create'") == 1)
                let coverage = try await HTTP.get("\(insurance)/v1/households/\(outsider.householdId)/coverage?on=\(year)-06-15", token: townToken)
                #expect(coverage.json["covered"] as? Bool == true && coverage.json["basis"] as? String == "certified")
                let second = try await Self.post("\(insurance)/v1/claims", uncovered, token: townToken, key: TestData.unique("c"))
                #expect(second.status == 201 && second.json["coverage"] as? String == "certified" && second.json["category"] as? String == "certified")
                let secondId = try #require(second.json["claimId"] as? String)

                // The insurer approves (3,000 reserved), pays with a reference, and rejects the other with a reason.
                let approved = try await Self.post("\(insurance)/v1/claims/\(claimId)/approval", [:], token: insurer)
                #expect(approved.status == 200 && approved.json["status"] as? String == "approved" && approved.json["payoutFen"] as? Int == 300_000)
                let again = try await Self.post("\(insurance)/v1/claims/\(claimId)/approval", [:], token: insurer)
                #expect(again.status == 200 && again.json["payoutFen"] as? Int == 300_000)
                #expect(try await Self.post("\(insurance)/v1/claims/\(secondId)/payment", ["paymentReference": "P1"], token: insurer).status == 409)
                let paid = try await Self.post("\(insurance)/v1/claims/\(claimId)/payment", ["paymentReference": "BANK-\(year)-0001"], token: insurer)
                #expect(paid.status == 200 && paid.json["status"] as? String == "paid" && paid.json["paymentReference"] as? String == "BANK-\(year)-0001")
                let rejected = try await Self.post("\(insurance)/v1/claims/\(secondId)/rejection", ["reason": "材料不全，缺少医院费用清单"], token: insurer)
                #expect(rejected.status == 200 && rejected.json["reasonCode"] as? String == "insurerDecision")

                // The fund: 3,000 of 5,000 paid (60%: no threshold yet); the reports agree with the balance.
                let fund = try await HTTP.get("\(insurance)/v1/fund?year=\(year)", token: district)
                #expect(fund.json["fundFen"] as? Int == 500_000 && fund.json["paidFen"] as? Int == 300_000 && fund.json["remainingFen"] as? Int == 200_000)
                for by in ["line", "town", "month"] {
                    let report = try await HTTP.get("\(insurance)/v1/reports/fund?year=\(year)&by=\(by)", token: insurer)
                    #expect(report.json["ledgerConsistent"] as? Bool == true && (report.json["rows"] as? [[String: Any]])?.count == 1, "\(report.text)")
                }
                let csv = try await HTTP.get("\(insurance)/v1/reports/fund?year=\(year)&by=line&format=csv", token: district)
                #expect(csv.status == 200 && csv.text.contains("医疗商业补充保险") && csv.text.contains("3000.00"))
                let xlsx = try await HTTP.get("\(insurance)/v1/reports/fund?year=\(year)&by=town&format=xlsx", token: district)
                #expect(xlsx.status == 200 && xlsx.body.starts(with: Data("PK".utf8)))
                #expect(try await HTTP.get("\(insurance)/v1/reports/fund?year=\(year)", token: townToken).status == 403)

                // Each step was published on insurance.claims, keyed by household id, readable by a client not ours.
                let events = try await OutsideClient.consume(
                    topic: EventTopic.insuranceClaims.name, keys: [monitored.householdId, outsider.householdId], count: 5, seconds: 60)
                let types = events.compactMap { ($0["headers"] as? [String: Any])?["ce_type"] as? String }
                #expect(types.sorted() == [
                    ClaimApproved.eventType, ClaimFiled.eventType, ClaimFiled.eventType, ClaimPaid.eventType, ClaimRejected.eventType,
                ].sorted())
                #expect(events.allSatisfy { !String(describing: $0).contains("6217000012345678") && !String(describing: $0).contains("6228480012349999") })

                // A further claim of the household takes the fund to 80% (not 95%): FundThresholdReached on insurance.fund, once.
                let third = try await Self.post(
                    "\(insurance)/v1/claims", Self.claim(monitored.householdId, year: year, lossFen: 400_000), token: townToken, key: TestData.unique("c"))
                let thirdId = try #require(third.json["claimId"] as? String)
                let capped = try await Self.post("\(insurance)/v1/claims/\(thirdId)/approval", [:], token: insurer)
                // (4,000 − 1,000) × 80% = 2,400, but only 1,000 is left of the household's 4,000 a year.
                #expect(capped.json["payoutFen"] as? Int == 100_000 && (capped.json["breakdown"] as? [[String: Any]])?.last?["step"] as? String == "yearCap")
                let fourth = try await Self.post(
                    "\(insurance)/v1/claims", Self.claim(monitored.householdId, year: year, lossFen: 450_000), token: townToken, key: TestData.unique("c"))
                let over = try await Self.post("\(insurance)/v1/claims/\(try #require(fourth.json["claimId"] as? String))/approval", [:], token: insurer)
                #expect(over.json["status"] as? String == "rejected" && over.json["reasonCode"] as? String == "yearCapReached")
                let thresholds = try await OutsideClient.consume(topic: EventTopic.insuranceFund.name, keys: ["fund-\(year)"], count: 1, seconds: 40)
                #expect(thresholds.compactMap { ($0["value"] as? [String: Any])?["thresholdBasisPoints"] as? Int } == [8000])

                // Two revocations of one certification at once: one revokes, the other is refused like a later one.
                let hardship = Self.household(village: village, category: nil)
                try await Self.registered([hardship])
                let toRevoke = try await Self.post("\(insurance)/v1/certifications", [
                    "householdId": hardship.householdId, "kind": "suddenHardship", "reason": "突发疾病，主要劳动力住院", "validFrom": "\(year)-06-01",
                ], token: townToken)
                let revokeId = try #require(toRevoke.json["certificationId"] as? String, "\(toRevoke.text)")
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            try await Self.post("\(insurance)/v1/certifications/\(revokeId)/revocation", ["reason": "已纳入监测"], token: townToken).status
                        }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }.sorted()
                }
                #expect(statuses == [200, 409, 409, 409])
                #expect(try await TestDatabase.count(
                    schema: "insurance", "SELECT count(*) FROM audit_log WHERE subject = \(revokeId) AND action = 'certification.revoke' AND outcome = 'done'") == 1)
                #expect(try await TestDatabase.count(
                    schema: "insurance", "SELECT count(*) FROM audit_log WHERE subject = \(revokeId) AND action = 'certification.revoke' AND outcome = 'refused'") == 3)
            } catch {
                await service.stop()
                throw error
            }
            await service.stop()
        }

        /// Review monitors a self-applicant's provisional household; the district's file then places its
        /// people in a registered household, into which intake merges it. Review's case stays on the old
        /// household, and its cover passes with the people to the new one, until review ends it.
        @Test func coverFollowsAMergedHouseholdIntoTheOneThatAbsorbedIt() async throws {
            let service = try await InProcessService.start(InsuranceService.definition)
            do {
                let insurance = service.baseURL
                let village = TestData.villageCode(town: Self.town)
                let insurer = try await TestEnvironment.token(role: .insurer)
                var provisional = Self.household(village: village, category: nil)
                provisional.provisional = true
                try await Self.registered([provisional])
                let caseId = TestData.unique("AJ")
                try await OutsideSystem.publish([MonitoringStarted(
                    householdId: provisional.householdId, villageCode: village, caseId: caseId, category: .suddenHardship, risks: [.illness],
                    people: 1, startedOn: "2026-01-10")], source: "/lifeline/review")
                var absorbing = Self.household(village: village, category: nil)
                absorbing.members = provisional.members + absorbing.members
                let merged = HouseholdRegistered(
                    householdId: provisional.householdId, villageCode: village, householdGroupId: nil, provisional: false, members: [],
                    updatedAt: Date().addingTimeInterval(1), source: "merged", supersededBy: absorbing.householdId)
                try await Self.registered([absorbing])
                try await OutsideSystem.publish([merged], source: "/lifeline/intake")
                _ = try await eventually("the merge and the monitoring applied", timeout: .seconds(90)) { () -> Bool? in
                    let merges = try await TestDatabase.count(schema: "insurance", """
                        SELECT count(*) FROM households WHERE household_id = \(provisional.householdId) AND superseded_by = \(absorbing.householdId)
                        """)
                    let periods = try await TestDatabase.count(schema: "insurance", "SELECT count(*) FROM monitoring_periods WHERE case_id = \(caseId)")
                    return merges == 1 && periods == 1 ? true : nil
                }
                let covered = try await HTTP.get("\(insurance)/v1/households/\(absorbing.householdId)/coverage?on=2026-06-15", token: insurer)
                #expect(covered.json["covered"] as? Bool == true && covered.json["basis"] as? String == "monitored", "\(covered.text)")
                #expect((covered.json["monitoringPeriods"] as? [[String: Any]])?.compactMap { $0["caseId"] as? String } == [caseId], "\(covered.text)")

                try await OutsideSystem.publish([RiskEliminated(
                    householdId: provisional.householdId, villageCode: village, caseId: caseId, category: .suddenHardship, eliminatedOn: "2026-06-30")],
                    source: "/lifeline/review")
                _ = try await eventually("the monitoring period ended", timeout: .seconds(90)) { () -> Bool? in
                    try await TestDatabase.count(
                        schema: "insurance", "SELECT count(*) FROM monitoring_periods WHERE case_id = \(caseId) AND ended_on IS NOT NULL") == 1 ? true : nil
                }
                let ended = try await HTTP.get("\(insurance)/v1/households/\(absorbing.householdId)/coverage?on=2026-07-01", token: insurer)
                #expect(ended.json["covered"] as? Bool == false, "\(ended.text)")
            } catch {
                await service.stop()
                throw error
            }
            await service.stop()
        }

        /// A claim paid to a self-applicant's provisional household counts against the yearly cap of the
        /// household intake merges it into: one family, one yearly cap.
        @Test func aMergedHouseholdsPaymentsCountAgainstTheYearlyCapOfTheOneThatAbsorbedIt() async throws {
            let service = try await InProcessService.start(InsuranceService.definition)
            do {
                let insurance = service.baseURL
                let village = TestData.villageCode(town: Self.town)
                let (townToken, insurer) = (try await TestEnvironment.token(role: .town, region: Self.town), try await TestEnvironment.token(role: .insurer))
                // 1,000 yuan deductible, 60%, 3,000 per claim, 4,000 per year.
                let year = try await Self.policyYear(
                    insurance, fundFen: 5_000_000, rule: Self.medicalRule(deductibleFen: 100_000, ratio: 6000, claimCapFen: 300_000, yearCapFen: 400_000))
                var provisional = Self.household(village: village, category: nil)
                provisional.provisional = true
                let absorbing = Self.household(village: village, category: .marginal)
                try await Self.registered([provisional, absorbing])
                let caseId = TestData.unique("AJ")
                try await OutsideSystem.publish([MonitoringStarted(
                    householdId: provisional.householdId, villageCode: village, caseId: caseId, category: .suddenHardship, risks: [.illness],
                    people: 1, startedOn: "\(year)-01-10")], source: "/lifeline/review")
                _ = try await eventually("the monitoring applied", timeout: .seconds(90)) { () -> Bool? in
                    try await TestDatabase.count(schema: "insurance", "SELECT count(*) FROM monitoring_periods WHERE case_id = \(caseId)") == 1 ? true : nil
                }
                // Before the merge: (6,000 − 1,000) × 60% = 3,000 paid to the provisional household.
                let first = try await Self.post(
                    "\(insurance)/v1/claims", Self.claim(provisional.householdId, year: year, lossFen: 600_000), token: townToken, key: TestData.unique("claim"))
                let firstId = try #require(first.json["claimId"] as? String, "\(first.text)")
                let approved = try await Self.post("\(insurance)/v1/claims/\(firstId)/approval", [:], token: insurer)
                #expect(approved.json["payoutFen"] as? Int == 300_000, "\(approved.text)")

                let merged = HouseholdRegistered(
                    householdId: provisional.householdId, villageCode: village, householdGroupId: nil, provisional: false, members: [],
                    updatedAt: Date().addingTimeInterval(1), source: "merged", supersededBy: absorbing.householdId)
                try await OutsideSystem.publish([merged], source: "/lifeline/intake")
                _ = try await eventually("the merge applied", timeout: .seconds(90)) { () -> Bool? in
                    try await TestDatabase.count(schema: "insurance", """
                        SELECT count(*) FROM households WHERE household_id = \(provisional.householdId) AND superseded_by = \(absorbing.householdId)
                        """) == 1 ? true : nil
                }
                #expect(try await TestDatabase.count(schema: "insurance", """
                    SELECT coalesce(sum(committed_fen), 0)::bigint FROM household_usage WHERE year = \(year) AND household_id = \(absorbing.householdId)
                    """) == 300_000)
                #expect(try await TestDatabase.count(
                    schema: "insurance", "SELECT count(*) FROM household_usage WHERE household_id = \(provisional.householdId)") == 0)

                // After it: the same loss on the absorbing household gets what is left of the year's 4,000.
                let second = try await Self.post(
                    "\(insurance)/v1/claims", Self.claim(absorbing.householdId, year: year, lossFen: 600_000), token: townToken, key: TestData.unique("claim"))
                let secondId = try #require(second.json["claimId"] as? String, "\(second.text)")
                #expect((second.json["estimate"] as? [[String: Any]])?.last?["amountFen"] as? Int == 100_000, "\(second.text)")
                let capped = try await Self.post("\(insurance)/v1/claims/\(secondId)/approval", [:], token: insurer)
                #expect(capped.json["payoutFen"] as? Int == 100_000, "\(capped.text)")
                let third = try await Self.post(
                    "\(insurance)/v1/claims", Self.claim(absorbing.householdId, year: year, lossFen: 500_000), token: townToken, key: TestData.unique("claim"))
                let thirdId = try #require(third.json["claimId"] as? String, "\(third.text)")
                let refused = try await Self.post("\(insurance)/v1/claims/\(thirdId)/approval", [:], token: insurer)
                #expect(refused.json["status"] as? String == "rejected", "\(refused.text)")
            } catch {
                await service.stop()
                throw error
            }
            await service.stop()
        }

        /// Two instances approve 240 claims of 24 households at once against a nearly empty fund (enough
        /// for 30 of them): the fund is never overspent, every claim ends paid or rejected (for the fund or
        /// the household's yearly cap), and no household gets more than its cap.
        @Test func twoInstancesApprovingAtOnceNeverOverspendTheFundOrACap() async throws {
            let first = try await InProcessService.start(InsuranceService.definition)
            let alone = first.service.consumerAssignments
            let second: InProcessService
            do {
                second = try await InProcessService.start(InsuranceService.definition)
            } catch {
                await first.stop()
                throw error
            }
            do {
                let instances = [first.baseURL, second.baseURL]
                let townToken = try await TestEnvironment.token(role: .town, region: Self.town)
                let insurer = try await TestEnvironment.token(role: .insurer)
                // No deductible, 100%, 1,000 yuan per claim, 2,500 a year; 30,000 yuan for 24 households × 10 claims of 1,000.
                let fundFen: Int64 = 3_000_000, yearCapFen: Int64 = 250_000
                let year = try await Self.policyYear(
                    first.baseURL, fundFen: fundFen, rule: Self.medicalRule(deductibleFen: 0, ratio: 10_000, claimCapFen: 100_000, yearCapFen: yearCapFen))
                let village = TestData.villageCode(town: Self.town)
                let households = (0..<24).map { _ in Self.household(village: village, category: .marginal) }
                try await Self.registered(households)
                var claimIds: [String] = []
                for household in households {
                    for index in 0..<10 {
                        let filed = try await Self.post(
                            "\(instances[index % 2])/v1/claims", Self.claim(household.householdId, year: year, lossFen: 100_000 + Int64(index)),
                            token: townToken, key: TestData.unique("c"))
                        claimIds.append(try #require(filed.json["claimId"] as? String, "\(filed.text)"))
                    }
                }
                #expect(Set(claimIds).count == 240)
                // All at once, each claim approved through both instances (a double click across instances), 32 requests in flight.
                let order = (claimIds + claimIds).shuffled()
                try await withThrowingTaskGroup(of: Int.self) { group in
                    var next = 0
                    func add() {
                        let (id, instance) = (order[next], instances[next % 2])
                        next += 1
                        group.addTask { try await Self.post("\(instance)/v1/claims/\(id)/approval", [:], token: insurer).status }
                    }
                    for _ in 0..<32 { add() }
                    while let status = try await group.next() {
                        // 200 for each approval and its repeat; 409 for repeating the approval of a claim already rejected.
                        #expect(status == 200 || status == 409)
                        if next < order.count { add() }
                    }
                }
                // Pay everything approved, again through both instances.
                // This test's year only: a long-lived local database may hold an earlier run's claims in the same village.
                let approved = try await HTTP.get("\(first.baseURL)/v1/claims?status=approved&limit=5000&villageCode=\(village)", token: insurer)
                for (index, claim) in ((approved.json["claims"] as? [[String: Any]]) ?? []).filter({ $0["year"] as? Int == year }).enumerated() {
                    let id = claim["claimId"] as! String
                    let paid = try await Self.post("\(instances[index % 2])/v1/claims/\(id)/payment", ["paymentReference": "PAY-\(id)"], token: insurer)
                    #expect(paid.status == 200)
                }
                let all = try await HTTP.get("\(second.baseURL)/v1/claims?limit=5000&villageCode=\(village)", token: insurer)
                let claims = try #require(all.json["claims"] as? [[String: Any]]).filter { $0["year"] as? Int == year }
                #expect(claims.count == 240)
                #expect(claims.allSatisfy { ["paid", "rejected"].contains($0["status"] as? String ?? "") })
                let reasons = Set(claims.compactMap { $0["reasonCode"] as? String })
                #expect(reasons.isSubset(of: ["fundInsufficient", "yearCapReached"]) && reasons.contains("fundInsufficient"))
                var perHousehold: [String: Int] = [:]
                var total = 0
                for claim in claims where claim["status"] as? String == "paid" {
                    perHousehold[claim["householdId"] as! String, default: 0] += claim["payoutFen"] as! Int
                    total += claim["payoutFen"] as! Int
                }
                #expect(total <= fundFen && perHousehold.values.allSatisfy { $0 <= yearCapFen })
                // No partial payout because of the fund: what is left is less than one claim would have taken.
                let fund = try await HTTP.get("\(first.baseURL)/v1/fund?year=\(year)", token: insurer)
                #expect(fund.json["paidFen"] as? Int == total && fund.json["reservedFen"] as? Int == 0)
                #expect((fund.json["remainingFen"] as? Int ?? -1) >= 0 && (fund.json["remainingFen"] as? Int ?? Int.max) < 100_000)
                #expect(fund.json["thresholdsReached"] as? [Int] == [8000, 9500])
                let report = try await HTTP.get("\(second.baseURL)/v1/reports/fund?year=\(year)&by=month", token: insurer)
                #expect(report.json["ledgerConsistent"] as? Bool == true)
                let entries = try await TestDatabase.count(
                    schema: "insurance", "SELECT count(*) FROM ledger_entries WHERE year = \(year) AND kind = 'payout'")
                #expect(entries == claims.filter { $0["status"] as? String == "paid" }.count)
            } catch {
                await first.stop(after: second, partitionsAlone: alone)
                throw error
            }
            await first.stop(after: second, partitionsAlone: alone)
        }
    }
}
