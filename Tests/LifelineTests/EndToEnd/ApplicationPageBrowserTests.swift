import Foundation
import Intake
import Testing

extension EndToEndTests {
    /// Where test artifacts (screenshots) go: `artifacts/` at the repository root, kept out of git.
    static var artifactDirectory: URL {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let directory = root.appendingPathComponent("artifacts")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// The page a village's QR code opens, in real headless Chromium with a phone's screen and WeChat's
    /// user agent: errors appear beside their fields, then a corrected form is submitted and the
    /// progress page shows the timeline.
    @Test func theSelfApplicationPageWorksInAPhoneBrowser() async throws {
        try await withServices([IntakeService.definition]) { services in
            let intake = services["intake"]!.baseURL
            let village = TestData.villageCode()
            try await TestGrid.village(village, name: "柳树屯村")
            let browser = try await ChromeSession.start()
            do {
                try await browser.navigate("\(intake)/apply/\(village)")
                #expect(try await browser.text(of: "#place").contains("柳树屯村"))
                #expect(try await browser.executeBool("return document.documentElement.scrollWidth <= window.innerWidth"))

                // Empty form: the page says what is missing beside each field.
                try await browser.click(css: "#submit")
                try await browser.waitFor(css: "#error-applicantName")
                #expect(try await browser.text(of: "#error-applicantName").contains("姓名"))

                // A wrong check digit is caught by the server and shown beside the ID field.
                let phone = TestData.phone()
                let id = TestData.idNumber()
                let wrongId = String(id.dropLast()) + (id.last == "1" ? "2" : "1")
                try await browser.type("赵桂兰", into: "#applicantName")
                try await browser.type(wrongId, into: "#idNumber")
                try await browser.type(phone, into: "#phone")
                try await browser.clear(css: "#householdSize")
                try await browser.type("4", into: "#householdSize")
                try await browser.click(css: "#difficulty-illness")
                try await browser.click(css: "#difficulty-schoolingCosts")
                try await browser.type("老伴患病长期吃药，孙子上学开销大", into: "#statement")
                try await browser.click(css: "#consent")
                try await browser.click(css: "#submit")
                try await browser.waitFor(css: "#error-idNumber", timeout: .seconds(15))
                #expect(try await browser.text(of: "#error-idNumber").contains("校验"))
                try await browser.saveScreenshot(to: Self.artifactDirectory.appendingPathComponent("apply-page-errors.png").path)

                try await browser.clear(css: "#idNumber")
                try await browser.type(id, into: "#idNumber")
                try await browser.click(css: "#submit")
                try await browser.waitFor(css: "#result", timeout: .seconds(15))
                let number = try await browser.text(of: "#application-number").trimmingCharacters(in: .whitespaces)
                #expect(number.hasPrefix("SQ"))
                try await browser.saveScreenshot(to: Self.artifactDirectory.appendingPathComponent("apply-page-submitted.png").path)
                #expect(try await TestDatabase.count(
                    schema: "intake", "SELECT count(*) FROM applications WHERE number = \(number) AND applicant_id_number = \(id)") == 1)

                // The progress page: number prefilled from the link, four digits, the timeline.
                try await browser.navigate("\(intake)/progress?number=\(number)")
                try await browser.type(String(phone.suffix(4)), into: "#phoneLast4")
                try await browser.click(css: "#query")
                try await browser.waitFor(css: "#timeline li", timeout: .seconds(15))
                #expect(try await browser.text(of: "#timeline").contains("已提交"))
                try await browser.saveScreenshot(to: Self.artifactDirectory.appendingPathComponent("progress-page.png").path)
                let violations = try await browser.browserLog().filter { $0.contains("Content Security Policy") }
                #expect(violations.isEmpty, "\(violations)")
            } catch {
                try? await browser.saveScreenshot(to: Self.artifactDirectory.appendingPathComponent("apply-page-failure.png").path)
                await browser.quit()
                throw error
            }
            await browser.quit()
        }
    }
}
