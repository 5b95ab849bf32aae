import Foundation
import NIOCore
import LifelineAuth

/// The dashboard (统计): the same figures as review's statistics API and insurance's fund, drawn as
/// SVG bar charts on the server.
extension Console {
    func dashboard(_ signedIn: SignedIn) async throws -> Outcome {
        let region = signedIn.role == .admin ? "370115" : signedIn.region
        var figures: [String: Any] = [:]
        var charts: [[String: Any]] = []
        if [.village, .town, .district, .admin].contains(signedIn.role) {
            let answer = try await backends.review.get("/v1/statistics?region=\(region)", token: signedIn.token)
            guard answer.ok else {
                return .page(template: "error", title: "统计", values: ["heading": "无法查看统计", "message": answer.message], status: .init(code: answer.status))
            }
            figures = answer.json
            charts = monitoringCharts(figures)
        }
        if [.district, .admin, .insurer].contains(signedIn.role), let fund = await fundChart(signedIn) { charts.append(fund) }
        return .page(template: "dashboard", title: "统计", values: [
            "monitoring": !figures.isEmpty,
            "summary": figures["summary"] as? String ?? "", "monitoredHouseholds": figures["monitoredHouseholds"] as? Int ?? 0,
            "monitoredPeople": figures["monitoredPeople"] as? Int ?? 0, "overdueCases": figures["overdueCases"] as? Int ?? 0,
            "eliminatedThisYear": figures["eliminatedThisYear"] as? Int ?? 0, "charts": charts,
        ])
    }

    /// Review's figures as bar charts: by category, town, road and risk, and open cases by step.
    func monitoringCharts(_ figures: [String: Any]) -> [[String: Any]] {
        func bars(_ key: String) -> [BarChart.Bar] {
            (figures[key] as? [[String: Any]] ?? []).map { row in
                BarChart.Bar(label: row["name"] as? String ?? "", value: row["households"] as? Int ?? 0, note: "\(row["people"] as? Int ?? 0)人")
            }
        }
        let stageNames = [
            "homeVerification": "村级入户核实", "democraticAppraisal": "民主评议", "informationComparison": "信息比对", "townReview": "镇级审核",
            "publicAnnouncement": "纳入公示", "systemEntry": "区级录入", "submitted": "已提交",
        ]
        let order = ["submitted", "homeVerification", "democraticAppraisal", "informationComparison", "townReview", "publicAnnouncement", "systemEntry"]
        let stages = figures["openCasesByStage"] as? [String: Any] ?? [:]
        let stageBars = order.compactMap { key in (stages[key] as? Int).map { BarChart.Bar(label: stageNames[key] ?? key, value: $0) } }
        // The trend by month: households monitored at each month's end, with that month's entries and exits.
        let months = (figures["byMonth"] as? [[String: Any]] ?? []).map { month in
            BarChart.Bar(
                label: month["month"] as? String ?? "", value: month["monitoredAtEnd"] as? Int ?? 0,
                note: "新增\(month["entered"] as? Int ?? 0) 消除\(month["eliminated"] as? Int ?? 0)")
        }
        return [
            ["title": "按监测类别", "svg": BarChart(title: "按监测类别", bars: bars("byCategory"), unit: "户").svg()],
            ["title": "按镇街", "svg": BarChart(title: "按镇街", bars: bars("byTown"), unit: "户").svg()],
            ["title": "按发现途径", "svg": BarChart(title: "按发现途径", bars: bars("byRoad"), unit: "户").svg()],
            ["title": "按风险类型", "svg": BarChart(title: "按风险类型", bars: bars("byRisk"), unit: "户").svg()],
            ["title": "在办案件（按环节）", "svg": BarChart(title: "在办案件", bars: stageBars, unit: "件").svg()],
            [
                "title": "按月趋势（月末监测户数）", "svg": BarChart(title: "按月趋势", bars: months, unit: "户").svg(),
                "note": "近12个月；新增为当月纳入监测的户数，消除为当月风险消除的户数。",
            ],
        ]
    }

    /// The insurance fund's use this year (insurance's `GET /v1/fund`), nil when insurance cannot say.
    func fundChart(_ signedIn: SignedIn) async -> [String: Any]? {
        let year = String(Display.today().prefix(4))
        guard let fund = try? await backends.insurance.get("/v1/fund?year=\(year)", token: signedIn.token, timeout: .seconds(3)), fund.ok else { return nil }
        let total = fund.json["fundFen"] as? Int ?? 0
        let used = (fund.json["paidFen"] as? Int ?? 0) + (fund.json["reservedFen"] as? Int ?? 0)
        return [
            "title": "\(year)年防返贫保险资金使用",
            "svg": BarChart(
                title: "保险资金", bars: [
                    .init(label: "资金总额", value: total / 100), .init(label: "已赔付", value: (fund.json["paidFen"] as? Int ?? 0) / 100),
                    .init(label: "已预留", value: (fund.json["reservedFen"] as? Int ?? 0) / 100),
                    .init(label: "结余", value: (fund.json["remainingFen"] as? Int ?? 0) / 100),
                ], unit: "元"
            ).svg(),
            "note": "已使用 \(Display.yuan(fen: used))，共 \(Display.yuan(fen: total))",
            // The report is the district's and the insurer's (insurance refuses a platform administrator).
            "downloads": signedIn.role == .admin ? [] : [("line", "按险种"), ("town", "按镇街"), ("month", "按月份")].map { by, name in
                ["href": "/exports/fund.xlsx?year=\(year)&by=\(by)", "label": "资金使用报表（\(name)，XLSX）", "id": "fund-report-\(by)"]
            },
        ]
    }
}
