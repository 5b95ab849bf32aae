import Foundation
import LifelineAuth

/// The home page by role: a grid member's households; officials' cases waiting for them and the rest
/// of their open cases; other roles a short guide.
extension Console {
    /// The stages each role acts on.
    static let actionStages: [Role: Set<String>] = [
        .village: ["homeVerification", "democraticAppraisal"], .town: ["townReview"], .district: ["systemEntry"], .admin: ["systemEntry"],
    ]

    func home(_ signedIn: SignedIn, notice: String? = nil) async throws -> Outcome {
        var values: [String: Any] = [:]
        if notice == "passwordChanged" { values["notice"] = "密码已修改。" }
        switch signedIn.role {
        case .gridMember:
            let answer = try await backends.intake.get("/v1/households?limit=200", token: signedIn.token)
            let households = (answer.json["households"] as? [[String: Any]] ?? []).map { household -> [String: Any] in
                let members = household["members"] as? [[String: Any]] ?? []
                let head = members.first { $0["relation"] as? String == "户主" } ?? members.first
                return [
                    "id": household["id"] as? String ?? "", "headName": head?["name"] as? String ?? "（未登记户主）", "people": members.count,
                    "provisional": household["provisional"] as? Bool ?? false,
                ]
            }
            values["gridMember"] = true
            values["households"] = households
            values["householdCount"] = households.count
        case .village, .town, .district, .admin:
            let answer = try await backends.review.get("/v1/cases?open=true", token: signedIn.token)
            let cases = (answer.json["cases"] as? [[String: Any]] ?? []).map(caseRow)
            let mine = Self.actionStages[signedIn.role] ?? []
            // The town also decides on a case whose comparison found something against monitoring.
            let waitsForMe = { (row: [String: Any]) -> Bool in
                mine.contains(row["stage"] as? String ?? "")
                    || (signedIn.role == .town && row["stage"] as? String == "informationComparison" && row["comparisonAdverse"] as? Bool == true)
            }
            values["official"] = true
            values["waiting"] = cases.filter(waitsForMe)
            values["others"] = cases.filter { !waitsForMe($0) }
            values["overdueCount"] = cases.filter { $0["overdue"] as? Bool == true }.count
            // A mustache section shows for any number, 0 too: the badge needs a Bool.
            values["hasOverdue"] = (values["overdueCount"] as? Int ?? 0) > 0
            if [.town, .district].contains(signedIn.role) {
                // Leads no village could be found for wait in the town's (or the district's) triage (线索分办).
                let triage = try await backends.review.get("/v1/leads/triage", token: signedIn.token)
                values["triage"] = (triage.json["leads"] as? [[String: Any]] ?? []).map(leadRow)
                values["showTriage"] = true
                values["exportYear"] = String(Display.today().prefix(4))
                values["canExport"] = true
            }
            if signedIn.role == .village {
                // The monthly re-check list (动态监测): households due for a risk-elimination review, and
                // monitored households with a new lead.
                let rechecks = try await backends.review.get("/v1/rechecks", token: signedIn.token)
                values["eliminationDue"] = (rechecks.json["eliminationDue"] as? [[String: Any]] ?? []).map { due -> [String: Any] in
                    [
                        "householdId": due["householdId"] as? String ?? "", "startedOn": due["startedOn"] as? String ?? "",
                        "monthsMonitored": due["monthsMonitored"] as? Int ?? 0,
                    ]
                }
                values["newLeads"] = (rechecks.json["newLeads"] as? [[String: Any]] ?? []).map(leadRow)
                values["showRechecks"] = true
            }
        case .insurer:
            return .redirect("/claims")
        case .department:
            return .redirect("/uploads")
        default:
            values["other"] = true
        }
        return .page(template: "home", title: "首页", values: values)
    }

    func leadRow(_ lead: [String: Any]) -> [String: Any] {
        [
            "leadId": lead["leadId"] as? String ?? "", "roadName": lead["roadName"] as? String ?? "", "summary": lead["summary"] as? String ?? "",
            "receivedAt": Display.time(lead["receivedAt"]), "caseId": lead["caseId"] as? String ?? "",
            "householdId": lead["householdId"] as? String ?? "",
        ]
    }

    func caseRow(_ item: [String: Any]) -> [String: Any] {
        [
            "caseId": item["caseId"] as? String ?? "", "householdId": item["householdId"] as? String ?? "", "stage": item["stage"] as? String ?? "",
            "stageName": item["stageName"] as? String ?? "", "kindName": item["kindName"] as? String ?? "", "roadName": item["roadName"] as? String ?? "",
            "contactName": item["contactName"] as? String ?? "", "dueBy": Display.time(item["dueBy"]), "overdue": item["overdue"] as? Bool ?? false,
            "villageCode": item["villageCode"] as? String ?? "", "comparisonAdverse": item["comparisonState"] as? String == "adverse",
        ]
    }
}
