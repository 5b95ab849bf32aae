@testable import Accounts
@testable import Console
import Crypto
import Foundation
import LifelineAuth
import LifelineRuntime
import NIOCore
import Testing

/// Accounts' password handling and the console's pieces that need no running stack.
@Suite struct ConsoleUnitTests {
    @Test func passwordsAreHashedWithScryptAndSaltedEachTime() async throws {
        let hasher = PasswordHasher(rounds: 1 << 10)
        let first = try await hasher.hash("Lifeline2026a")
        let second = try await hasher.hash("Lifeline2026a")
        #expect(first.hasPrefix("scrypt$1024$8$1$") && !first.contains("Lifeline2026a"))
        #expect(first != second)
        #expect(await hasher.verify("Lifeline2026a", against: first))
        #expect(await !hasher.verify("Lifeline2026b", against: first))
        #expect(await !hasher.verify("Lifeline2026a", against: "md5$abc"))
    }

    /// Accounts refuses to start with a private key the services' public key does not match.
    @Test func aSigningKeyMustMatchTheServicesPublicKey() async throws {
        let pair = TokenKeys.generateKeyPair()
        let other = TokenKeys.generateKeyPair()
        let verifying = try await TokenKeys.verifying(publicKeyPEM: pair.publicKeyPEM, audience: "accounts")
        try await TokenIssuer(privateKeyPEM: pair.privateKeyPEM, lifetime: 60).checkMatches(verifying)
        await #expect(throws: ConfigurationError.self) {
            try await TokenIssuer(privateKeyPEM: other.privateKeyPEM, lifetime: 60).checkMatches(verifying)
        }
    }

    /// Amounts are read whole: "3,000" is 3,000 yuan (never 3), and text after a number is refused.
    @Test func amountsInYuanAreReadWholeOrRefused() {
        #expect(FormData.fen(yuan: "3,000") == 300_000)
        #expect(FormData.fen(yuan: "6000元") == 600_000)
        #expect(FormData.fen(yuan: " 12.5 ") == 1_250)
        #expect(FormData.fen(yuan: "9，100.50") == 910_050)
        for bad in ["1.234", "abc", "3,000abc", "-5", "", "100000000", "1e5"] { #expect(FormData.fen(yuan: bad) == nil, "\(bad)") }
        // A claim's other payment needs both its payer and its amount; an empty amount is not 0.
        let (_, problems) = Console.claimBody(FormData("lossKind=medical%7Chospitalization&lossYuan=3000&otherSource1=%E5%9F%BA%E6%9C%AC%E5%8C%BB%E4%BF%9D"))
        #expect(problems.map { $0["field"] } == ["otherPayments"])
        let (body, none) = Console.claimBody(FormData("lossKind=medical%7Chospitalization&lossYuan=3%2C000&otherSource1=x&otherYuan1=1%2C000.5"))
        #expect(none.isEmpty && body["lossFen"] as? Int64 == 300_000)
        #expect((body["otherPayments"] as? [[String: Any]])?.first?["amountFen"] as? Int64 == 100_050)
    }

    @Test func thePasswordPolicyNamesWhatIsWrong() {
        #expect(PasswordPolicy.problem(with: "short1", mobile: "13800001111") == "密码应为8至64位")
        #expect(PasswordPolicy.problem(with: "onlyletters", mobile: "13800001111") == "密码应同时包含字母和数字")
        #expect(PasswordPolicy.problem(with: "a13800001111", mobile: "13800001111") == "密码不能包含手机号码")
        #expect(PasswordPolicy.problem(with: "Lifeline2026a", mobile: "13800001111") == nil)
        let initial = PasswordPolicy.initialPassword()
        #expect(initial.count == 10 && PasswordPolicy.problem(with: initial, mobile: "13800001111") == nil)
        #expect(!initial.contains { "0O1lI".contains($0) })
    }

    @Test func aSessionCookieOpensOnlyWithItsKeyAndUntouched() throws {
        let key = SymmetricKey(size: .bits256)
        let session = ConsoleSession(
            sessionToken: "s", accessToken: "a", accessExpiresAt: Date(), formToken: "f", passwordChangeRequired: false, name: "王", role: .town,
            region: "370115101", regionName: nil, administrator: true)
        let sealed = try session.sealed(with: key)
        #expect(ConsoleSession.open(sealed, with: key)?.formToken == "f")
        #expect(ConsoleSession.open(sealed, with: SymmetricKey(size: .bits256)) == nil)
        var bytes = Array(sealed)
        bytes[20] = bytes[20] == "A" ? "B" : "A"
        #expect(ConsoleSession.open(String(bytes), with: key) == nil)
        #expect(!sealed.contains("370115101"))
    }

    @Test func formsAreReadWithEveryValueAndDecoded() {
        let form = FormData("visitors=%E7%8E%8B%E5%BB%BA%E5%9B%BD+%E6%9D%8E&risks=illness&risks=accident&wagesYuan=60000.5&empty=&bad=abc")
        #expect(form["visitors"] == "王建国 李")
        #expect(form.all("risks") == ["illness", "accident"])
        #expect(form.fen("wagesYuan") == 6_000_050)
        #expect(form.fen("missing") == 0)
        #expect(form.fen("bad") == nil)
        #expect(form["empty"] == nil)
    }

    @Test func aHomeVerificationFormBecomesReviewsRequest() {
        let form = FormData("visitDate=2026-11-30&visitors=%E7%8E%8B%EF%BC%8C%E6%9D%8E&people=3&membersPresent=2&wagesYuan=60000&medicalYuan=100000"
            + "&risks=illness&food=1&clothing=1&piped=1&waterQuality=1&waterLitres=60&interruptionDays=0")
        let (body, problems) = Console.stepBody("home-verification", form: form)
        #expect(problems.isEmpty)
        #expect(body["visitors"] as? [String] == ["王", "李"])
        #expect(body["people"] as? Int == 3)
        let income = body["incomeItems"] as? [[String: Any]] ?? []
        #expect(income.first { $0["kind"] as? String == "wages" }?["amountFen"] as? Int64 == 6_000_000)
        #expect((body["rigidExpenses"] as? [[String: Any]])?.count == 1)
        let checklist = body["checklist"] as? [String: Any] ?? [:]
        #expect(checklist["food"] as? Bool == true && checklist["safeHousing"] as? Bool == false)
        let (_, bad) = Console.stepBody("home-verification", form: FormData("wagesYuan=-5&people=x"))
        #expect(Set(bad.compactMap { $0["field"] }).isSuperset(of: ["wagesYuan", "people"]))
    }

    @Test func chartsEscapeTheirText() {
        let svg = BarChart(title: "<t>", bars: [.init(label: "<script>", value: 3), .init(label: "乙", value: 0)], unit: "户").svg()
        #expect(!svg.contains("<script>") && svg.contains("&lt;script&gt;"))
        #expect(svg.components(separatedBy: "<rect").count == 3)
    }

    /// swift-mustache shows a section for "" and 0: the renderer makes empty strings absent, so a case
    /// row without a contact name has no dangling separator.
    @Test func emptyValuesHideTheirSections() async throws {
        let renderer = try await PageRenderer.load()
        func row(_ values: [String: Any]) -> String {
            renderer.library.render(PageRenderer.blanksAbsent(values), withTemplate: "case-row") ?? ""
        }
        let values: [String: Any] = ["caseId": "C1", "householdId": "H1", "contactName": "", "overdue": false, "comparisonAdverse": false]
        let plain = row(values)
        #expect(plain.contains(">H1<") && !plain.contains(" · H1"), "\(plain)")
        var named = values
        named["contactName"] = "王建国"
        #expect(row(named).contains("王建国 · H1"))
        #expect(!row(values).contains("比对有异常") && !row(values).contains("超期"))
    }

    /// A service that is down fails the console's call at once, not at the call's 20 s deadline
    /// (AsyncHTTPClient's shared client retried the refused connection until then, holding every page
    /// that asks it; a town's home page took 20 s while review was down).
    @Test func aRefusedBackendFailsTheCallAtOnce() async throws {
        let review = Backend(name: "review", baseURL: "http://127.0.0.1:1")  // nothing listens on port 1
        let started = ContinuousClock.now
        await #expect(throws: Backend.Unreachable.self) { _ = try await review.get("/v1/cases", token: nil, timeout: .seconds(20)) }
        #expect(ContinuousClock.now - started < .seconds(10), "the call waited for its deadline")
    }

    @Test func aBrowsersFileUploadIsReadFromItsMultipartBody() throws {
        let boundary = "----WebKitFormBoundaryX7"
        var text = "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\ntoken-1\r\n"
        text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"医保-2026-11.csv\"\r\nContent-Type: text/csv\r\n\r\n"
        text += "部门,记录编号\r\n医保,A-1\r\n"
        text += "\r\n--\(boundary)--\r\n"
        let form = try #require(MultipartForm(body: ByteBuffer(string: text), contentType: "multipart/form-data; boundary=\(boundary)"))
        #expect(form.fields["_csrf"] == "token-1")
        let file = try #require(form.files["file"])
        #expect(file.fileName == "医保-2026-11.csv" && file.contentType == "text/csv")
        #expect(String(buffer: file.bytes) == "部门,记录编号\r\n医保,A-1\r\n")
        #expect(MultipartForm(body: ByteBuffer(string: text), contentType: "application/json") == nil)
        #expect(MultipartForm(body: ByteBuffer(string: "garbage"), contentType: "multipart/form-data; boundary=\(boundary)") == nil)
    }
}
