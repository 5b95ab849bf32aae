import Accounts
import DepartmentScreening
import Hotline
import Foundation
import Intake
import Notification
import LifelineAuth
import LifelineEvents
import Review
import Testing

/// The operators' console in real headless Chromium (a phone's screen), over real accounts, intake
/// and review services: signing in, a case from the village to the district, a grid member's phone,
/// jurisdiction and CSRF. Screenshots go to `artifacts/`.
extension EndToEndTests {
    static let consolePassword = "Lifeline2026a"

    func consoleSignIn(_ browser: ChromeSession, _ console: InProcessConsole, mobile: String, password: String) async throws {
        try await browser.navigate("\(console.baseURL)/sign-in")
        try await browser.waitFor(css: "#sign-in-form")
        try await browser.clear(css: "#mobile")
        try await browser.type(mobile, into: "#mobile")
        try await browser.type(password, into: "#password")
        try await browser.click(css: "#sign-in")
    }

    func consoleSignOut(_ browser: ChromeSession) async throws {
        try await browser.click(css: "#sign-out")
        try await browser.waitFor(css: "#notice", condition: .textContains("退出"))
    }

    func screenshot(_ browser: ChromeSession, _ name: String) async {
        try? await browser.saveScreenshot(to: Self.artifactDirectory.appendingPathComponent("console-\(name).png").path)
    }

    /// Runs `body` with a browser, keeping a screenshot of the page a failure left.
    func withBrowser(_ name: String, _ body: (ChromeSession) async throws -> Void) async throws {
        let browser = try await ChromeSession.start()
        do {
            try await body(browser)
            let violations = try await browser.browserLog().filter { $0.contains("Content Security Policy") }
            #expect(violations.isEmpty, "\(violations)")
        } catch {
            await screenshot(browser, "\(name)-failure")
            await browser.quit()
            throw error
        }
        await browser.quit()
    }

    @Test func consoleSignInRefusesWrongPasswordsLocksAndStopsADisabledAccount() async throws {
        try await withServices(
            [AccountsService.definition, ReviewService.definition], overrides: ["accounts": ["ACCOUNTS_LOCKOUT_FAILURES": "3"]]
        ) { services in
            let accountsURL = services["accounts"]!.baseURL
            let console = try await InProcessConsole.start(services: ["accounts": accountsURL, "review": services["review"]!.baseURL])
            defer { Task { await console.stop() } }
            let accounts = AccountsClient(baseURL: accountsURL)
            let mobile = TestData.phone()
            let village = TestData.villageCode()
            let (id, initial) = try await accounts.create(name: "孙丽华", mobile: mobile, role: .village, region: village)

            try await withBrowser("sign-in") { browser in
                // A wrong password is refused without saying whether the number exists.
                try await consoleSignIn(browser, console, mobile: mobile, password: "wrong-password-1")
                try await browser.waitFor(css: "#sign-in-error", condition: .textContains("手机号码或密码不正确"))
                await screenshot(browser, "sign-in-wrong-password")

                // The initial password leads to the forced change, then home.
                try await consoleSignIn(browser, console, mobile: mobile, password: initial)
                try await browser.waitFor(css: "#password-required")
                #expect(try await browser.currentURL().hasSuffix("/password"))
                try await browser.navigate("\(console.baseURL)/")  // no page before the change
                try await browser.waitFor(css: "#password-required")
                try await browser.type(initial, into: "#currentPassword")
                try await browser.type(Self.consolePassword, into: "#newPassword")
                try await browser.type(Self.consolePassword, into: "#confirmPassword")
                try await browser.click(css: "#change-password")
                try await browser.waitFor(css: "#user-name", condition: .textContains("孙丽华"))
                #expect(try await browser.text(of: "#user-role") == "村级")
                try await consoleSignOut(browser)

                // A live session stops buying tokens the moment its account is disabled.
                let session = try await HTTP.request("POST", "\(accountsURL)/v1/sign-in", json: ["mobile": mobile, "password": Self.consolePassword])
                let sessionToken = try #require(session.json["sessionToken"] as? String)
                #expect(session.json["accessToken"] is String)
                #expect(try await HTTP.request("POST", "\(accountsURL)/v1/session/refresh", json: ["sessionToken": sessionToken]).status == 200)
                #expect(try await accounts.update(id, ["disabled": true]).status == 200)
                let refused = try await HTTP.request("POST", "\(accountsURL)/v1/session/refresh", json: ["sessionToken": sessionToken])
                #expect(refused.status == 401 || refused.status == 403)
                try await consoleSignIn(browser, console, mobile: mobile, password: Self.consolePassword)
                try await browser.waitFor(css: "#sign-in-error", condition: .textContains("停用"))
                await screenshot(browser, "sign-in-disabled")
                #expect(try await accounts.update(id, ["disabled": false]).status == 200)

                // Three wrong passwords lock the account; then even the right one is refused.
                for _ in 0..<3 {
                    try await consoleSignIn(browser, console, mobile: mobile, password: "wrong-password-2")
                    try await browser.waitFor(css: "#sign-in-error")
                }
                #expect(try await browser.text(of: "#sign-in-error").contains("锁定"))
                try await consoleSignIn(browser, console, mobile: mobile, password: Self.consolePassword)
                try await browser.waitFor(css: "#sign-in-error", condition: .textContains("锁定"))
                await screenshot(browser, "sign-in-locked")

                // The administrator's reset lifts the lock and forces a new change.
                let reset = try await HTTP.request(
                    "POST", "\(accountsURL)/v1/accounts/\(id)/password-reset", json: [:] as [String: Any],
                    headers: ["Authorization": "Bearer \(try await AccountsClient.adminToken())"])
                let newInitial = try #require(reset.json["initialPassword"] as? String)
                try await consoleSignIn(browser, console, mobile: mobile, password: newInitial)
                try await browser.waitFor(css: "#password-required")
            }

            // Every sign-in and change is in the audit, and no password is.
            let audit = try await accounts.audit(id)
            let outcomes = Set(audit.compactMap { $0["outcome"] as? String })
            #expect(outcomes.isSuperset(of: ["wrongPassword", "wrongPasswordLocked", "locked", "disabled", "done"]))
            let actions = Set(audit.compactMap { $0["action"] as? String })
            #expect(actions.isSuperset(of: ["signIn", "changePassword", "updateAccount", "resetPassword", "createAccount"]))
            #expect(!String(describing: audit).contains(Self.consolePassword) && !String(describing: audit).contains(mobile))
            #expect(try await TestDatabase.count(schema: "accounts", "SELECT count(*) FROM accounts WHERE id = \(id) AND password_hash LIKE 'scrypt$%'") == 1)

            // The console's own metrics: its calls to accounts by outcome, and no personal data.
            let metrics = try await HTTP.get("\(console.baseURL)/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.text.contains("lifeline_console_backend_call_seconds") && metrics.text.contains("service=\"accounts\""))
            #expect(metrics.text.contains("http_route=\"/sign-in\""), "the console's requests by route")
            #expect(!metrics.text.contains(mobile))
        }
    }

    @Test func consoleTakesACaseFromTheVillageThroughTheTownToTheDistrict() async throws {
        try await withServices(
            [IntakeService.definition, ReviewService.definition, AccountsService.definition, NotificationService.definition],
            overrides: Self.reviewOverrides
        ) { services in
            let (intake, review, accountsURL) = (services["intake"]!.baseURL, services["review"]!.baseURL, services["accounts"]!.baseURL)
            let console = try await InProcessConsole.start(services: [
                "accounts": accountsURL, "review": review, "intake": intake, "notification": services["notification"]!.baseURL,
            ])
            defer { Task { await console.stop() } }
            let village = TestData.villageCode()
            let driver = ReviewDriver(review: review, village: village)
            let phone = TestData.phone()
            var application = TestData.application(village: village, phone: phone)
            application["householdSize"] = 3
            let submitted = try await submit(intake, application)
            let number = try #require(submitted.json["applicationNumber"] as? String)
            let opened = try await eventually("the application's case") { () -> [String: Any]? in
                let list = try await driver.get("/v1/cases?villageCode=\(village)&open=true").json["cases"] as? [[String: Any]] ?? []
                return list.first { $0["applicationNumber"] as? String == number }
            }
            let caseId = try #require(opened["caseId"] as? String)
            let household = try #require(opened["householdId"] as? String)

            let accounts = AccountsClient(baseURL: accountsURL)
            var mobiles: [String: String] = [:]
            for (key, role, region, name) in [
                ("village", Role.village, village, "王村官"), ("town", .town, String(village.prefix(9)), "刘镇审"),
                ("otherTown", .town, "370115103", "曲堤审"), ("district", .district, "370115", "陈区录"),
            ] {
                let mobile = try await accounts.official(name: name, role: role, region: region)
                mobiles[key] = mobile
            }

            try await withBrowser("case") { browser in
                // The village: the case waits on its home page, and notification's message on the inbox.
                try await consoleSignIn(browser, console, mobile: mobiles["village"]!, password: Self.consolePassword)
                try await browser.waitFor(css: "#waiting a[data-case='\(caseId)']")
                #expect(try await browser.isDisplayed(css: "#elimination-due"))
                _ = try await eventually("the village's inbox message") { () -> Bool? in
                    try await browser.navigate("\(console.baseURL)/")
                    return try await browser.elements(css: "#unread-badge").isEmpty ? nil : true
                }
                try await browser.click(css: "#nav a[href='/inbox']")
                try await browser.waitFor(css: "#messages li.unread")
                #expect(try await browser.text(of: "#messages").contains("查看案件"))
                await screenshot(browser, "village-inbox")
                try await browser.click(css: "#read-all")
                try await browser.waitFor(css: "#unread-count", condition: .textContains("0条未读"))
                #expect(try await browser.elements(css: "#unread-badge").isEmpty)
                try await browser.navigate("\(console.baseURL)/")
                // Home verification, then the appraisal.
                try await browser.waitFor(css: "#waiting a[data-case='\(caseId)']")
                try await browser.click(css: "#waiting a[data-case='\(caseId)']")
                try await browser.waitFor(css: "#home-verification-form")
                try await browser.type("王建国，李春花", into: "#visitors")
                try await browser.type("3", into: "#people")
                try await browser.type("3", into: "#membersPresent")
                try await browser.type("60000", into: "#wagesYuan")
                try await browser.type("100000", into: "#medicalYuan")
                try await browser.click(css: "#risk-illness")
                try await browser.click(css: "#risk-accident")
                await screenshot(browser, "home-verification-form")
                try await browser.click(css: "#submit-home-verification")
                try await browser.waitFor(css: "#done", condition: .textContains("入户核实已提交"))
                #expect(try await browser.text(of: "#stage") == "民主评议")
                try await browser.type("23", into: "#attendance")
                try await browser.type("21", into: "#votesFor")
                try await browser.click(css: "#submit-appraisal")
                try await browser.waitFor(css: "#done", condition: .textContains("民主评议结果已提交"))
                await screenshot(browser, "village-appraisal-done")
                try await consoleSignOut(browser)

                try await driver.answerComparison(caseId, household: household)
                _ = try await eventually("town review due") { try await driver.stage(caseId) == "townReview" ? true : nil }

                // Another town's official cannot open the case: it looks like no case at all.
                try await consoleSignIn(browser, console, mobile: mobiles["otherTown"]!, password: Self.consolePassword)
                try await browser.waitFor(css: "#user-name")
                try await browser.navigate("\(console.baseURL)/cases/\(caseId)")
                try await browser.waitFor(css: "#error-heading", condition: .textContains("案件不存在"))
                #expect(try await browser.elements(css: "#town-review-form").isEmpty)
                await screenshot(browser, "other-town-refused")
                try await consoleSignOut(browser)

                // The town: a forged form is refused and changes nothing; the real one approves.
                try await consoleSignIn(browser, console, mobile: mobiles["town"]!, password: Self.consolePassword)
                try await browser.waitFor(css: "#waiting a[data-case='\(caseId)']")
                try await browser.navigate("\(console.baseURL)/cases/\(caseId)")
                try await browser.waitFor(css: "#town-review-form")
                _ = try await browser.execute("document.querySelector('#town-review-form input[name=_csrf]').value = 'forged-token'")
                try await browser.click(css: "#submit-town-review")
                try await browser.waitFor(css: "#error-heading", condition: .textContains("请求已失效"))
                await screenshot(browser, "csrf-refused")
                #expect(try await driver.stage(caseId) == "townReview")
                try await browser.navigate("\(console.baseURL)/cases/\(caseId)")
                try await browser.waitFor(css: "#town-review-form")
                try await browser.type("同意纳入", into: "#opinion")
                try await browser.click(css: "#submit-town-review")
                try await browser.waitFor(css: "#done", condition: .textContains("镇级审核意见已提交"))
                try await consoleSignOut(browser)
                _ = try await eventually("district entry due", timeout: .seconds(60)) { try await driver.stage(caseId) == "systemEntry" ? true : nil }

                // The district enters the household as 突发严重困难户.
                try await consoleSignIn(browser, console, mobile: mobiles["district"]!, password: Self.consolePassword)
                try await browser.waitFor(css: "#user-name")
                try await browser.navigate("\(console.baseURL)/cases/\(caseId)")
                try await browser.waitFor(css: "#entry-form")
                try await browser.type("张帮扶", into: "#cadreName")
                try await browser.type("13800001111", into: "#cadrePhone")
                try await browser.click(css: "#submit-entry")
                try await browser.waitFor(css: "#done", condition: .textContains("区级录入已完成"))
                #expect(try await browser.text(of: "#category") == "突发严重困难户")
                #expect(try await browser.text(of: "#outcome").contains("纳入"))
                #expect(try await browser.text(of: "#timeline").contains("镇级审核"))
                await screenshot(browser, "district-entry-done")

                // The announcement prints without personal data; the district downloads the year's list.
                try await browser.click(css: "#announcement-link")
                try await browser.waitFor(css: "#announcement-text")
                let announcement = try await browser.text(of: "#announcement-text")
                #expect(!announcement.isEmpty && !announcement.contains(phone) && !announcement.contains(application["idNumber"] as! String))
                try await browser.navigate("\(console.baseURL)/")
                try await browser.waitFor(css: "#export-entries")
                #expect(try await browser.isDisplayed(css: "#triage"))
                let href = try #require(try await browser.attribute("href", of: "#export-entries"))
                let download = try await HTTP.request("GET", console.baseURL + href, headers: ["Cookie": try await browser.cookieHeader()])
                #expect(download.status == 200 && download.body.starts(with: Data("PK".utf8)), "\(download.status) \(download.text.prefix(200))")
                let anonymous = try await HTTP.request("GET", console.baseURL + href)
                #expect(anonymous.status == 200 && !anonymous.body.starts(with: Data("PK".utf8)))  // the sign-in page, after the redirect

                // The applicant's progress page shows the decision.
                try await browser.navigate("\(intake)/progress?number=\(number)")
                try await browser.type(String(phone.suffix(4)), into: "#phoneLast4")
                try await browser.click(css: "#query")
                try await browser.waitFor(css: "#timeline", timeout: .seconds(30), condition: .textContains("突发严重困难户"))
                await screenshot(browser, "applicant-progress-decided")
            }
        }
    }

    @Test func aGridMemberOpenedFromTheGridRecordsAVisitOnAPhone() async throws {
        try await withServices([IntakeService.definition, AccountsService.definition]) { services in
            let (intake, accountsURL) = (services["intake"]!.baseURL, services["accounts"]!.baseURL)
            let console = try await InProcessConsole.start(services: ["accounts": accountsURL, "intake": intake])
            defer { Task { await console.stop() } }
            let village = TestData.villageCode()
            let phones = [TestData.phone(), TestData.phone(), TestData.phone()]
            try await TestGrid.village(village, name: "柳树屯村", phones: phones)
            let household = TestData.unique("GV").replacingOccurrences(of: "-", with: "")
            var file = HouseholdFile()
            file.member(household: household, village: village, group: village + "001", name: "周德胜", relation: "户主")
            try await importHouseholds(file)
            _ = try await eventually("accounts has the village's grid") { () -> Bool? in
                try await TestDatabase.count(schema: "accounts", "SELECT count(*) FROM grid_members WHERE unit_code LIKE \(village + "%")") == 3 ? true : nil
            }

            // A town administrator opens accounts for the village's grid at once.
            let accounts = AccountsClient(baseURL: accountsURL)
            let adminMobile = TestData.phone()
            let (_, initial) = try await accounts.create(
                name: "镇管理员", mobile: adminMobile, role: .town, region: String(village.prefix(9)), administrator: true)
            try await accounts.activate(mobile: adminMobile, initialPassword: initial, newPassword: Self.consolePassword)
            try await withBrowser("grid-member") { browser in
                try await consoleSignIn(browser, console, mobile: adminMobile, password: Self.consolePassword)
                try await browser.waitFor(css: "#user-name")
                try await browser.navigate("\(console.baseURL)/accounts")
                try await browser.clear(css: "#grid-region")
                try await browser.type(village, into: "#grid-region")
                try await browser.click(css: "#create-from-grid")
                try await browser.waitFor(css: "#from-grid-results")
                let rows = try await browser.elements(css: "#from-grid-results tbody tr")
                #expect(rows.count == 3)
                await screenshot(browser, "accounts-from-grid")
                let memberPassword = try #require(try await browser.executeString("""
                    const row = [...document.querySelectorAll('#from-grid-results tbody tr')].find(r => r.textContent.includes('李春花'));
                    return row ? row.querySelector('code').textContent : null;
                    """))
                #expect(memberPassword.count == 10)
                try await consoleSignOut(browser)

                // The 联户长 on a phone: forced change, the households of the group, a visit.
                try await consoleSignIn(browser, console, mobile: phones[1], password: memberPassword)
                try await browser.waitFor(css: "#password-required")
                try await browser.type(memberPassword, into: "#currentPassword")
                try await browser.type(Self.consolePassword, into: "#newPassword")
                try await browser.type(Self.consolePassword, into: "#confirmPassword")
                try await browser.click(css: "#change-password")
                try await browser.waitFor(css: "#households a")
                #expect(try await browser.text(of: "#user-role") == "联户长")
                #expect(try await browser.text(of: "#households").contains("周德胜"))
                #expect(try await browser.executeBool("return document.documentElement.scrollWidth <= window.innerWidth"))
                await screenshot(browser, "grid-member-home")
                try await browser.click(css: "#households a")
                try await browser.waitFor(css: "#visit-form")
                #expect(try await browser.executeBool("return document.documentElement.scrollWidth <= window.innerWidth"))
                try await browser.click(css: "#risk-illness")
                try await browser.type("户主住院，务工收入中断", into: "#notes")
                try await browser.click(css: "#submit-visit")
                try await browser.waitFor(css: "#done")
                await screenshot(browser, "grid-member-visit")
            }
            let memberToken = try await TestEnvironment.token(role: .gridMember, region: village, user: "GM\(village)001")
            let visits = try await HTTP.get("\(intake)/v1/households/\(household)/visits", token: memberToken)
            #expect((visits.json["visits"] as? [[String: Any]])?.count == 1, "\(visits.text)")
        }
    }

    @Test func aDepartmentClerkUploadsAMonthlyFileAndFollowsItsProgress() async throws {
        try await withServices([DepartmentScreeningService.definition, AccountsService.definition]) { services in
            let (screening, accountsURL) = (services["department-screening"]!.baseURL, services["accounts"]!.baseURL)
            let console = try await InProcessConsole.start(services: ["accounts": accountsURL, "department_screening": screening])
            defer { Task { await console.stop() } }
            let accounts = AccountsClient(baseURL: accountsURL)
            let mobile = try await accounts.official(name: "医保数据员", role: .department, region: "370115", department: "医保")
            let tag = TestData.unique("CF")
            let rows = [
                ["部门", "记录编号", "数据月份", "公民身份号码", "姓名", "事实类型", "发生日期", "金额（分）", "详情"],
                ["医保", "\(tag)-1", "2026-11", TestData.idNumber(), "王建国", "个人自付医疗费用", "2026-11-07", "1200000", ""],
                ["医保", "\(tag)-2", "2026-11", TestData.idNumber(), "李春花", "个人自付医疗费用", "2026-11-08", "abc", ""],
            ]
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(tag)-医保-2026-11.csv")
            try (rows.map { $0.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n").write(to: file, atomically: true, encoding: .utf8)
            try await withBrowser("upload") { browser in
                try await consoleSignIn(browser, console, mobile: mobile, password: Self.consolePassword)
                // A clerk's home is the uploads page.
                try await browser.waitFor(css: "#upload-form")
                try await browser.type(file.path, into: "#file")
                try await browser.click(css: "#upload")
                try await browser.waitFor(css: "#upload-job")
                // The page refreshes itself until the file is read.
                try await browser.waitFor(css: "#upload-status", timeout: .seconds(60), condition: .textContains("已完成"))
                #expect(try await browser.text(of: "#rows-read") == "2行")
                #expect(try await browser.text(of: "#rows-rejected") == "1行")
                #expect(try await browser.text(of: "#upload-errors").contains("3"))  // the bad amount's line
                await screenshot(browser, "department-upload-done")
                // It can be found again later.
                try await browser.navigate("\(console.baseURL)/uploads")
                try await browser.waitFor(css: "#recent-uploads", condition: .textContains(tag))
                let download = try await HTTP.request(
                    "GET", "\(console.baseURL)/uploads/feedback.xlsx?period=2026-11", headers: ["Cookie": try await browser.cookieHeader()])
                #expect(download.status == 200 && download.body.starts(with: Data("PK".utf8)), "\(download.status) \(download.text.prefix(300))")
            }
        }
    }

    @Test func theTownSettlesLeadsAndTheVillageRecordsItsMeetingInTheConsole() async throws {
        try await withServices(
            [IntakeService.definition, ReviewService.definition, AccountsService.definition, HotlineService.definition], overrides: Self.reviewOverrides
        ) { services in
            let (intake, review, accountsURL) = (services["intake"]!.baseURL, services["review"]!.baseURL, services["accounts"]!.baseURL)
            let console = try await InProcessConsole.start(services: [
                "accounts": accountsURL, "review": review, "intake": intake, "hotline": services["hotline"]!.baseURL,
            ])
            defer { Task { await console.stop() } }
            let village = TestData.villageCode()
            let driver = ReviewDriver(review: review, village: village)
            try await TestGrid.village(village)
            let (proposed, assigned) = (TestData.unique("MH").replacingOccurrences(of: "-", with: ""), TestData.unique("MH").replacingOccurrences(of: "-", with: ""))
            var file = HouseholdFile()
            file.member(household: proposed, village: village, group: village + "001", name: "孙德福", relation: "户主")
            file.member(household: assigned, village: village, group: village + "002", name: "钱玉兰", relation: "户主")
            try await importHouseholds(file)
            _ = try await eventually("review's registry copy") { () -> Bool? in
                try await TestDatabase.count(schema: "review", "SELECT count(*) FROM households WHERE id = ANY(\([proposed, assigned]))") == 2 ? true : nil
            }
            // A hotline lead no village could be matched to a household waits in the town's triage.
            let origin = TestData.unique("RL")
            try await OutsideSystem.publish(
                [RiskLeadRaised(leadId: origin, orderNumber: "12345-\(origin)", channel: .hotline12345, villageCode: village, householdId: nil, raisedAt: Date())],
                source: "/lifeline/hotline")
            let lead = try await eventually("the lead in triage") { () -> [String: Any]? in
                let leads = try await driver.get("/v1/leads/triage", as: .town).json["leads"] as? [[String: Any]] ?? []
                return leads.first { $0["originId"] as? String == origin }
            }
            let leadId = try #require(lead["leadId"] as? String)
            // A complaint about the village's help is the town's to answer.
            let complaint = TestData.unique("12345C")
            try await pushToHotline([
                WorkOrderPushed(orderNumber: complaint, channel: .hotline12345, villageCode: village, householdId: nil,
                                summary: "帮扶干部一次也没来过，答应的补贴一直没发", receivedAt: Date(), dueAt: Date().addingTimeInterval(5 * 86_400)),
            ])

            let accounts = AccountsClient(baseURL: accountsURL)
            var mobiles: [Role: String] = [:]
            for (role, region, name) in [(Role.town, String(village.prefix(9)), "周镇干"), (.village, village, "吴村干")] {
                let mobile = try await accounts.official(name: name, role: role, region: region)
                mobiles[role] = mobile
            }
            try await withBrowser("town-leads") { browser in
                // The town assigns the triaged lead to a household, then verifies it: 不实.
                try await consoleSignIn(browser, console, mobile: mobiles[.town]!, password: Self.consolePassword)
                try await browser.waitFor(css: "#triage li[data-lead='\(leadId)']")
                try await browser.type(assigned, into: "#triage li[data-lead='\(leadId)'] input[name=householdId]")
                try await browser.click(css: "#triage li[data-lead='\(leadId)'] form[action$='assignment'] button")
                try await browser.waitFor(css: "#user-name")
                try await browser.click(css: "#nav a[href='/verification']")
                try await browser.waitFor(css: "#verification-leads li[data-lead='\(leadId)']")
                try await browser.click(css: "#verification-leads li[data-lead='\(leadId)'] input[value=falseAlarm]")
                try await browser.type("经核实，家中无人患病", into: "#verification-leads li[data-lead='\(leadId)'] textarea")
                try await browser.click(css: "#verification-leads li[data-lead='\(leadId)'] button")
                try await browser.waitFor(css: "#done", condition: .textContains("核实结果已提交"))
                #expect(try await browser.elements(css: "#verification-leads li[data-lead='\(leadId)']").isEmpty)
                // The hotline's work orders with their due times; the town answers the complaint.
                let reply = "#work-orders li[data-order='\(complaint)'] form.reply-form"
                _ = try await eventually("the complaint among the town's work orders") { () -> Bool? in
                    try await browser.navigate("\(console.baseURL)/work-orders")
                    try await browser.waitFor(css: "#work-orders")
                    return try await browser.elements(css: reply).isEmpty ? nil : true
                }
                await screenshot(browser, "town-work-orders")
                try await browser.type("已督促帮扶干部入户，补贴已于本周发放到位。", into: "\(reply) textarea")
                try await browser.click(css: "\(reply) button")
                try await browser.waitFor(css: "#replied")
                #expect(try await browser.elements(css: reply).isEmpty)
                try await consoleSignOut(browser)

                // The village's monthly meeting proposes a household for monitoring: review opens its case.
                try await consoleSignIn(browser, console, mobile: mobiles[.village]!, password: Self.consolePassword)
                try await browser.waitFor(css: "#user-name")
                try await browser.click(css: "#nav a[href='/meetings']")
                try await browser.waitFor(css: "#meeting-households li[data-household='\(proposed)']")
                try await browser.type("31", into: "#attendance")
                try await browser.click(css: "#meeting-households li[data-household='\(proposed)'] input[value=propose]")
                try await browser.type("户主突发重病，家庭收入骤减", into: "#meeting-households li[data-household='\(proposed)'] input[name^=reason]")
                await screenshot(browser, "village-meeting")
                try await browser.click(css: "#submit-meeting")
                try await browser.waitFor(css: "#done")
                #expect(try await browser.text(of: "#meetings").contains("建议纳入1户"))
            }
            let settled = try await driver.get("/v1/leads/verification", as: .town).json["leads"] as? [[String: Any]] ?? []
            #expect(!settled.contains { $0["leadId"] as? String == leadId })
            _ = try await driver.openCase(of: proposed)
            let town = try await TestEnvironment.token(role: .town, region: String(village.prefix(9)))
            let answered = try await HTTP.get("\(services["hotline"]!.baseURL)/v1/work-orders/\(complaint)", token: town)
            #expect(answered.json["finalOutcome"] as? String == "townReplied", "\(answered.text)")
        }
    }
}
