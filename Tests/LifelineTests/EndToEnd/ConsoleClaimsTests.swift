import Accounts
import Foundation
import Insurance
import LifelineAuth
import LifelineEvents
import Testing

extension EndToEndTests.InsuranceClaimsTests {
    /// The claim in the console, in headless Chromium: the town files it, then the insurer finds it
    /// waiting, sees its payout by the rule, approves and pays; the fund's use on the dashboard.
    @Test func theInsurerDecidesAndPaysAClaimInTheConsole() async throws {
        let insuranceService = try await InProcessService.start(InsuranceService.definition)
        let accountsService = try await InProcessService.start(AccountsService.definition)
        let console = try await InProcessConsole.start(services: ["accounts": accountsService.baseURL, "insurance": insuranceService.baseURL])
        do {
            let insurance = insuranceService.baseURL
            let village = TestData.villageCode(town: Self.town)
            let townToken = try await TestEnvironment.token(role: .town, region: Self.town)
            let year = try await Self.policyYear(
                insurance, fundFen: 500_000, rule: Self.medicalRule(deductibleFen: 100_000, ratio: 6000, claimCapFen: 300_000, yearCapFen: 400_000))
            let household = Self.household(village: village, category: .suddenHardship)
            let unmonitored = Self.household(village: village, category: nil)
            try await Self.registered([household, unmonitored])
            let accounts = AccountsClient(baseURL: accountsService.baseURL)
            let mobile = try await accounts.official(name: "保险理赔员", role: .insurer, region: "370115")
            let townMobile = try await accounts.official(name: "赵镇干", role: .town, region: Self.town)
            let browser = try await ChromeSession.start()
            do {
                let helper = EndToEndTests()
                // The town files the claim (理赔报案) in the console; a bad account number is named and nothing else is lost.
                try await helper.consoleSignIn(browser, console, mobile: townMobile, password: EndToEndTests.consolePassword)
                try await browser.waitFor(css: "#user-name")
                try await browser.navigate("\(console.baseURL)/claims")
                try await browser.click(css: "#new-claim")
                try await browser.waitFor(css: "#year-form")
                try await browser.navigate("\(console.baseURL)/claim-form?year=\(year)")
                try await browser.waitFor(css: "#claim-form")
                try await browser.type(household.householdId, into: "#householdId")
                #expect(try await browser.value(of: "#incidentDate") == "\(year)-01-01")  // a past year's form starts on its first day
                try await browser.type("3000", into: "#lossYuan")
                try await browser.type("户主住院治疗", into: "#description")
                try await browser.type("住院发票、费用清单", into: "#documents")
                try await browser.type("王保国", into: "#payeeName")
                try await browser.type("济阳农商银行", into: "#bankName")
                try await browser.type("1234", into: "#accountNumber")
                try await browser.click(css: "#file-claim")
                try await browser.waitFor(css: "#problems li[data-field='payee.accountNumber']")
                #expect(try await browser.value(of: "#description") == "户主住院治疗")
                try await browser.type("6217000012345678", into: "#accountNumber")
                try await browser.click(css: "#file-claim")
                try await browser.waitFor(css: "#claim-status", condition: .textContains("待审核"))
                let filedText = try await browser.text(of: "#claim")
                #expect(filedText.contains("5678") && !filedText.contains("6217000012345678"))
                let claimId = String(try await browser.currentURL().split(separator: "/").last?.split(separator: "?").first ?? "")
                // A form sent twice (a double tap, a resend) files one claim: its Idempotency-Key is the form's. The
                // amount is typed the way officials write it, with a thousands separator.
                let cookie = try await browser.cookieHeader()
                let formPage = try await HTTP.request("GET", "\(console.baseURL)/claim-form?year=\(year)", headers: ["Cookie": cookie])
                let csrf = try #require(formPage.text.firstMatch(of: /name="_csrf" value="([^"]+)"/)?.1)
                let fields = [
                    "_csrf": String(csrf), "idempotencyKey": TestData.unique("K"), "year": "\(year)", "householdId": household.householdId,
                    "lossKind": "medical|hospitalization", "incidentDate": "\(year)-02-01", "lossYuan": "1,500", "description": "再次住院",
                    "documents": "住院发票", "payeeName": "王保国", "bankName": "济阳农商银行", "accountNumber": "6217000012345678",
                ]
                let encoded = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }.joined(separator: "&")
                for _ in 0..<2 {
                    _ = try await HTTP.request(
                        "POST", "\(console.baseURL)/claim-form", body: Data(encoded.utf8),
                        headers: ["Cookie": cookie, "Origin": console.baseURL, "Content-Type": "application/x-www-form-urlencoded"])
                }
                // A household in hardship but not monitored is covered once the town certifies it (保险认定); revoked later.
                try await browser.navigate("\(console.baseURL)/claims")
                try await browser.click(css: "#certifications-link")
                try await browser.waitFor(css: "#certification-form")
                try await browser.type(unmonitored.householdId, into: "#householdId")
                try await browser.click(css: "#kind-remaining")
                try await browser.type("因病致困，经医疗救助后仍有较大自付费用", into: "#reason")
                try await browser.click(css: "#certify")
                try await browser.waitFor(css: "#done", condition: .textContains("认定已登记"))
                let certified = "#certifications li[data-household='\(unmonitored.householdId)']"
                #expect(try await browser.text(of: certified).contains("经政策帮扶仍未解决实际困难"))
                try await browser.type("已纳入监测，认定不再需要", into: "\(certified) input[name=reason]")
                try await browser.click(css: "\(certified) button")
                try await browser.waitFor(css: "#done", condition: .textContains("已撤销"))
                #expect(try await browser.text(of: certified).contains("已撤销"))
                try? await browser.saveScreenshot(to: EndToEndTests.artifactDirectory.appendingPathComponent("console-town-certifications.png").path)
                try await helper.consoleSignOut(browser)

                try await helper.consoleSignIn(browser, console, mobile: mobile, password: EndToEndTests.consolePassword)
                // The insurer's home is the claims waiting for it.
                try await browser.waitFor(css: "#claims a[data-claim='\(claimId)']")
                try await browser.click(css: "#claims a[data-claim='\(claimId)']")
                try await browser.waitFor(css: "#approve-claim")
                // (3,000 − 1,000 deductible) × 60% = 1,200 yuan, estimated by the rule; the account masked.
                #expect(try await browser.text(of: "#breakdown").contains("1,200.00元"))
                let claimText = try await browser.text(of: "#claim")
                #expect(claimText.contains("5678") && !claimText.contains("6217000012345678"))
                try await browser.click(css: "#approve-claim")
                try await browser.waitFor(css: "#claim-status", condition: .textContains("已核准"))
                try await browser.type("NSH\(year)0615001", into: "#paymentReference")
                try await browser.click(css: "#pay-claim")
                try await browser.waitFor(css: "#claim-status", condition: .textContains("已支付"))
                #expect(try await browser.text(of: "#payout") == "1,200.00元")
                try? await browser.saveScreenshot(to: EndToEndTests.artifactDirectory.appendingPathComponent("console-insurer-claim-paid.png").path)
                try await browser.navigate("\(console.baseURL)/dashboard")
                try await browser.waitFor(css: ".chart-card", condition: .textContains("保险资金使用"))
                #expect(try await browser.elements(css: "#summary").isEmpty)  // no monitoring figures for the insurer
                // The fund's report by town, passed on as a workbook.
                try await browser.waitFor(css: "#fund-report-town")
                let report = try await HTTP.request(
                    "GET", "\(console.baseURL)/exports/fund.xlsx?year=\(year)&by=town", headers: ["Cookie": try await browser.cookieHeader()])
                #expect(report.status == 200 && report.body.starts(with: Data("PK".utf8)), "\(report.status) \(report.text.prefix(300))")
            } catch {
                try? await browser.saveScreenshot(to: EndToEndTests.artifactDirectory.appendingPathComponent("console-insurer-failure.png").path)
                await browser.quit()
                throw error
            }
            await browser.quit()
            let claims = try await HTTP.get("\(insurance)/v1/claims?householdId=\(household.householdId)", token: townToken).json["claims"] as? [[String: Any]] ?? []
            #expect(claims.count == 2, "the browser's claim and one for the form sent twice")
            #expect(claims.filter { $0["lossFen"] as? Int == 150_000 }.count == 1, "\(claims)")
            let certifications = try await HTTP.get("\(insurance)/v1/certifications?region=\(village)", token: townToken).json["certifications"] as? [[String: Any]] ?? []
            let certification = certifications.first { $0["householdId"] as? String == unmonitored.householdId }
            #expect(certification?["kind"] as? String == "remainingHardship" && certification?["revocationReason"] as? String == "已纳入监测，认定不再需要")
            #expect(claims.first { $0["lossFen"] as? Int == 300_000 }?["payoutFen"] as? Int == 120_000, "\(claims)")
            #expect(claims.first { $0["lossFen"] as? Int == 300_000 }?["status"] as? String == "paid")
        } catch {
            await console.stop()
            await accountsService.stop()
            await insuranceService.stop()
            throw error
        }
        await console.stop()
        await accountsService.stop()
        await insuranceService.stop()
    }
}
