import Foundation
import LifelineAuth

/// The home page by role: a grid member's households; officials' cases waiting for them and the rest
/// of their open cases; other roles a short guide.
extension Console {
    /// The stages each role acts on.
    static let actionStages: [Role: Set<String>] = [
        .village: ["homeVerification", "democraticAppraisal"], .town: ["townReview"], .district: ["systemEntry"], .admin: ["systemEntry"],
    ]

    func home(_ signedIn: SignedIn) async throws -> Outcome {
        var values: [String: Any] = [:]
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
            values["official"] = true
            values["waiting"] = cases.filter { mine.contains($0["stage"] as? String ?? "") }
            values["others"] = cases.filter { !mine.contains($0["stage"] as? String ?? "") }
            values["overdueCount"] = cases.filter { $0["overdue"] as? Bool == true }.count
        default:
            values["other"] = true
        }
        values["passwordChanged"] = false
        return .page(template: "home", title: "首页", values: values)
    }

    func caseRow(_ item: [String: Any]) -> [String: Any] {
        [
            "caseId": item["caseId"] as? String ?? "", "householdId": item["householdId"] as? String ?? "", "stage": item["stage"] as? String ?? "",
            "stageName": item["stageName"] as? String ?? "", "kindName": item["kindName"] as? String ?? "", "roadName": item["roadName"] as? String ?? "",
            "contactName": item["contactName"] as? String ?? "", "dueBy": Display.time(item["dueBy"]), "overdue": item["overdue"] as? Bool ?? false,
            "villageCode": item["villageCode"] as? String ?? "",
        ]
    }
}
