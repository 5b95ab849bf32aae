import Foundation
import Hummingbird
import LifelineAuth
import LifelineEvents
import LifelinePersistence
import LifelineRuntime

/// Which kinds of department fact information comparison (信息比对) reports, and which way each
/// counts (against monitoring, or supporting it): configuration the district edits over HTTP.
struct ComparisonKindRoutes: Sendable {
    let database: Database

    struct KindView: Codable, Sendable {
        var kind: String
        var kindName: String
        var arguesAgainstMonitoring: Bool
        var updatedBy: String
        var updatedAt: Date
    }

    func add(to group: RouterGroup<LifelineRequestContext>) {
        group.get("comparison-kinds") { _, context -> Response in
            try context.requireUser().require([.department, .town, .district])
            return try JSONResponse.make(["kinds": try await load()])
        }
        group.put("comparison-kinds/:kind") { request, context -> Response in
            let user = try context.requireUser()
            guard user.role == .district else { throw APIError(status: .forbidden, code: "forbidden", message: "only the district edits comparison kinds") }
            let kind = try context.parameters.require("kind")
            guard FactKind(rawValue: kind) != nil else { throw APIError.validation([.init(field: "kind", message: "未知的事实类型")]) }
            struct Body: Decodable {
                var arguesAgainstMonitoring: Bool?
                /// `false` takes the kind out of comparisons.
                var included: Bool?
            }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            if body.included == false {
                try await database.query("DELETE FROM comparison_kinds WHERE kind = \(kind)")
            } else {
                guard let against = body.arguesAgainstMonitoring else {
                    throw APIError.validation([.init(field: "arguesAgainstMonitoring", message: "必填（true 或 false）")])
                }
                try await database.query("""
                    INSERT INTO comparison_kinds (kind, argues_against_monitoring, updated_by) VALUES (\(kind), \(against), \(user.id))
                    ON CONFLICT (kind) DO UPDATE SET argues_against_monitoring = EXCLUDED.argues_against_monitoring, updated_by = EXCLUDED.updated_by,
                        updated_at = now()
                    """)
            }
            return try JSONResponse.make(["kinds": try await load()])
        }
    }

    private func load() async throws -> [KindView] {
        let rows = try await database.query(
            "SELECT kind, argues_against_monitoring, updated_by, updated_at FROM comparison_kinds ORDER BY kind")
        var kinds: [KindView] = []
        for try await (kind, against, by, at) in rows.decode((String, Bool, String, Date).self) {
            kinds.append(KindView(
                kind: kind, kindName: FactKind(uncheckedRawValue: kind).chineseName, arguesAgainstMonitoring: against, updatedBy: by, updatedAt: at))
        }
        return kinds
    }
}
