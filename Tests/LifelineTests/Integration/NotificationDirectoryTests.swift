import Foundation
import LifelineEvents
import LifelinePersistence
import Logging
@testable import Notification
import Testing

/// Notification's copy of how to reach a household, against the real PostgreSQL.
@Suite(.tags(.integration)) struct NotificationDirectoryTests {
    /// Someone applies with a member's ID number, their own phone and their WeChat account; the head then
    /// applies from the register's phone on the page, which sends no openid. The stranger's account must
    /// not become the household's way in, whether the two applications arrive in one run or in two.
    @Test func anOpenIdBelongsToThePhoneItCameWith() async throws {
        try await TestDatabase.withScratchSchema { configuration in
            try await TestDatabase.with(configuration) { database in
                _ = try await Migrator(database: database, logger: Logger(label: "test")).migrate(SharedMigrations.all + NotificationMigrations.all)
                let directory = NotificationDirectory(logger: Logger(label: "test"))
                let village = TestData.villageCode()
                let (registerPhone, strangerPhone) = (TestData.phone(), TestData.phone())
                func application(_ household: String, phone: String, openId: String?) -> ApplicationSubmitted {
                    ApplicationSubmitted(
                        applicationNumber: TestData.unique("SQ"), householdId: household, householdIsProvisional: false, villageCode: village,
                        applicant: ContactDetails(name: "李秀英", phone: phone), householdSize: 3, difficulties: [.illness], statement: "住院",
                        submittedAt: Date(), wechatOpenId: openId)
                }
                func contact(_ household: String) async throws -> NotificationDirectory.HouseholdContact? {
                    try await database.transaction { connection in
                        try await directory.lookUp(households: [household], villages: [], offices: [], on: connection).contacts[household]
                    }
                }
                let (twoRuns, oneRun, ownAccount) = ("HA" + TestData.unique("n"), "HB" + TestData.unique("n"), "HC" + TestData.unique("n"))
                try await database.transaction { connection in
                    for household in [twoRuns, oneRun, ownAccount] {
                        try await directory.apply(HouseholdRegistered(
                            householdId: household, villageCode: village, householdGroupId: nil, provisional: false,
                            members: [.init(name: "李秀英", idNumber: TestData.idNumber(male: false), relation: "户主", phone: registerPhone)],
                            updatedAt: Date()), on: connection)
                    }
                    try await directory.apply([application(twoRuns, phone: strangerPhone, openId: "oStranger1")], on: connection)
                    try await directory.apply([application(twoRuns, phone: registerPhone, openId: nil)], on: connection)
                    try await directory.apply([
                        application(oneRun, phone: strangerPhone, openId: "oStranger2"), application(oneRun, phone: registerPhone, openId: nil),
                    ], on: connection)
                    // The household's own account stays while it applies again from the same phone without it.
                    try await directory.apply([application(ownAccount, phone: registerPhone, openId: "oOwn")], on: connection)
                    try await directory.apply([application(ownAccount, phone: registerPhone, openId: nil)], on: connection)
                }
                #expect(try await contact(twoRuns) == .init(phone: registerPhone, wechatOpenId: nil))
                #expect(try await contact(oneRun) == .init(phone: registerPhone, wechatOpenId: nil))
                #expect(try await contact(ownAccount) == .init(phone: registerPhone, wechatOpenId: "oOwn"))
            }
        }
    }

    /// A household merged into another (intake republishes it empty, without a household group) is
    /// looked after by the successor's 联户长, or else by the successor village's grid members.
    @Test func aMergedHouseholdsGridMembersAreItsSuccessors() async throws {
        try await TestDatabase.withScratchSchema { configuration in
            try await TestDatabase.with(configuration) { database in
                _ = try await Migrator(database: database, logger: Logger(label: "test")).migrate(SharedMigrations.all + NotificationMigrations.all)
                let directory = NotificationDirectory(logger: Logger(label: "test"))
                let (oldVillage, newVillage) = (TestData.villageCode(), TestData.villageCode())
                let group = newVillage + "007"
                func unit(_ code: String, _ level: GridUnitLevel, parent: String, member: String) -> GridUnitRegistered {
                    GridUnitRegistered(code: code, level: level, name: code, parentCode: parent, members: [
                        .init(id: member, name: "王" + member.suffix(2), duty: level == .village ? "专职网格员" : "联户长", phone: TestData.phone()),
                    ], updatedAt: Date())
                }
                let (grouped, villageOnly) = ("HM" + TestData.unique("n"), "HV" + TestData.unique("n"))
                let (groupedSuccessor, villageSuccessor) = ("HS" + TestData.unique("n"), "HT" + TestData.unique("n"))
                let known = try await database.transaction { connection -> Known in
                    for item in [unit(oldVillage, .village, parent: String(oldVillage.prefix(9)), member: "GMold"),
                                 unit(newVillage, .village, parent: String(newVillage.prefix(9)), member: "GMnew"),
                                 unit(group, .householdGroup, parent: newVillage, member: "LHnew")] {
                        try await directory.apply(item, on: connection)
                    }
                    for (id, village, groupId) in [(groupedSuccessor, newVillage, group as String?), (villageSuccessor, newVillage, nil)] {
                        try await directory.apply(HouseholdRegistered(
                            householdId: id, villageCode: village, householdGroupId: groupId, provisional: false,
                            members: [.init(name: "李秀英", idNumber: TestData.idNumber(male: false), relation: "户主", phone: TestData.phone())],
                            updatedAt: Date()), on: connection)
                    }
                    for (id, successor) in [(grouped, groupedSuccessor), (villageOnly, villageSuccessor)] {
                        try await directory.apply(HouseholdRegistered(
                            householdId: id, villageCode: oldVillage, householdGroupId: nil, provisional: false, members: [], updatedAt: Date(),
                            source: "merged", supersededBy: successor), on: connection)
                    }
                    return try await directory.lookUp(households: [grouped, villageOnly], villages: [oldVillage], offices: [], on: connection)
                }
                #expect(known.gridMembers(of: grouped, village: oldVillage).map(\.id) == ["LHnew"])
                #expect(known.gridMembers(of: villageOnly, village: oldVillage).map(\.id) == ["GMnew"])
            }
        }
    }
}
