import Foundation
@testable import Intake
import LifelineEvents
import NIOCore
import Testing

/// What the household import writes by hand instead of through a coder: the member JSON its SQL-built
/// events carry, and the `COPY` text of its staged rows.
@Suite struct HouseholdStagingTests {
    func member(name: String, phone: String?, registry: Bool) -> ImportedMember {
        let id = TestData.idNumber()
        return ImportedMember(
            line: 3, householdNumber: "H-1", villageCode: "370115101201", householdGroupCode: "370115101201001", name: name, idNumber: id,
            relation: "户主", birthDate: HouseholdFile.birthDate(of: id), sex: "男", phone: phone, formerlyPoor: false,
            labourAbility: registry ? .weak : nil, healthStatus: registry ? .seriousIllness : nil,
            minimumLivingAllowance: registry ? true : nil, extremePovertySupport: registry ? false : nil)
    }

    @Test(arguments: [
        ("张建华", "13912345678", true), ("李\"秀\\兰\n/\t\u{01}", nil, false), ("Ünïcode 王", "0531-8888", false),
    ] as [(String, String?, Bool)])
    func theMemberJSONIsWhatTheEventCoderWrites(name: String, phone: String?, registry: Bool) throws {
        let member = member(name: name, phone: phone, registry: registry)
        let published = HouseholdRegistered.Member(
            name: member.name, idNumber: member.idNumber, relation: member.relation, birthDate: member.birthDate, sex: member.sex,
            phone: member.phone, labourAbility: member.labourAbility, healthStatus: member.healthStatus,
            minimumLivingAllowance: member.minimumLivingAllowance, extremePovertySupport: member.extremePovertySupport)
        let built = HouseholdStaging.memberJSON(member)
        #expect(built == String(decoding: try EventJSON.encoder.encode(published), as: UTF8.self))
        #expect(try EventJSON.decoder.decode(HouseholdRegistered.Member.self, from: Data(built.utf8)) == published)
    }

    @Test func copyTextEscapesItsSpecialCharactersAndMarksAbsentValues() {
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        CopyText.append("a\\b\tc\nd\re 王", to: &buffer)
        #expect(String(buffer: buffer) == "a\\\\b\\tc\\nd\\re 王")

        var line = ByteBufferAllocator().buffer(capacity: 512)
        HouseholdStaging.append(member(name: "王\t五", phone: nil, registry: false), to: &line)
        let text = String(buffer: line)
        #expect(text.hasSuffix("\n") && text.filter { $0 == "\n" }.count == 1, "one line per row")
        let fields = text.dropLast().split(separator: "\t", omittingEmptySubsequences: false)
        #expect(fields.count == HouseholdStaging.copiedColumns.count)
        #expect(fields[HouseholdStaging.copiedColumns.firstIndex(of: "name")!] == "王\\t五")
        #expect(fields[HouseholdStaging.copiedColumns.firstIndex(of: "phone")!] == "\\N")
        #expect(fields[HouseholdStaging.copiedColumns.firstIndex(of: "is_head")!] == "t")
    }

    @Test func eachColumnsOrdinalIsItsPlaceAmongAllColumns() {
        #expect(HouseholdFileColumn.allCases.map(\.ordinal) == Array(HouseholdFileColumn.allCases.indices))
    }

    @Test func progressCountsReadingAsAThirdAndWritingAsTheRest() {
        func percent(read: Int, accepted: Int = 0, rejected: Int = 0, estimated: Int?) -> Int {
            ImportJobStore.percent(ImportCounts(rowsRead: read, rowsAccepted: accepted, rowsRejected: rejected), estimatedRows: estimated)
        }
        #expect(percent(read: 0, estimated: 1000) == 0)
        #expect(percent(read: 500, rejected: 10, estimated: 1000) == 15)
        #expect(percent(read: 1000, rejected: 10, estimated: 1000) == 30)
        #expect(percent(read: 1000, accepted: 490, rejected: 10, estimated: 1000) == 65)
        #expect(percent(read: 1000, accepted: 990, rejected: 10, estimated: 1000) == 99, "never 100 before it ends")
        #expect(percent(read: 1000, accepted: 500, estimated: nil) == 35, "XLSX: the writing part only")
    }
}
