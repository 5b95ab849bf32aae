import Accounts
import Foundation
import Insurance
import LifelineAuth
import LifelineEvents
import Testing

extension InsuranceClaimsTests {
    /// The insurer's work in the console, in headless Chromium: the claims waiting, one claim's payout by
    /// the rule, approval, payment, and the fund's use on the dashboard.
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
            try await Self.registered([household])
            let filed = try await Self.post(
                "\(insurance)/v1/claims", Self.claim(household.householdId, year: year, lossFen: 300_000), token: townToken, key: TestData.unique("c"))
            let claimId = try #require(filed.json["claimId"] as? String, "\(filed.text)")

            let accounts = AccountsClient(baseURL: accountsService.baseURL)
            let mobile = TestData.phone()
            let (_, initial) = try await accounts.create(name: "保险理赔员", mobile: mobile, role: .insurer, region: "370115")
            try await accounts.activate(mobile: mobile, initialPassword: initial, newPassword: EndToEndTests.consolePassword)
            let browser = try await ChromeSession.start()
            do {
                let helper = EndToEndTests()
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
            let claim = try await HTTP.get("\(insurance)/v1/claims/\(claimId)", token: townToken)
            #expect(claim.json["status"] as? String == "paid" && claim.json["payoutFen"] as? Int == 120_000, "\(claim.text)")
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
