import Foundation
import Hummingbird
import LifelineAuth
import LifelineEvents
import LifelineRuntime

/// Policy years, the fund and its reports over HTTP (docs/openapi.yaml). The district sets a year's
/// fund and rules; the insurer, the district and the towns read them; the fund's use is reported to
/// the insurer and the district.
struct PolicyRoutes: Sendable {
    let policies: PolicyStore

    static let fundReaders: Set<Role> = [.insurer, .district]

    func add(to group: RouterGroup<LifelineRequestContext>) {
        group.get("policy-years") { _, context -> Response in
            _ = try context.requireInsuranceRole(ClaimRoutes.readers)
            return try JSONResponse.make(["years": try await policies.years()])
        }
        group.get("policy-years/:year") { _, context -> Response in
            _ = try context.requireInsuranceRole(ClaimRoutes.readers)
            let year = try Self.year(context.parameters.get("year"))
            return try JSONResponse.make(try await answeringInsuranceErrors { try await policies.year(year) })
        }
        group.put("policy-years/:year") { request, context -> Response in
            let user = try context.requireInsuranceRole([.district])
            let year = try Self.year(context.parameters.get("year"))
            struct Body: Decodable {
                var name: String
                var fundFen: Int64
                var thresholdsBasisPoints: [Int]?
                var lines: [PayoutRule]
            }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            let policy = PolicyYear(
                year: year, name: body.name, fundFen: body.fundFen, thresholdsBasisPoints: body.thresholdsBasisPoints ?? [8000, 9500], lines: body.lines)
            let problems = policy.problems()
            if !problems.isEmpty { throw APIError.validation(problems.map { .init(field: $0.field, message: $0.message) }) }
            return try JSONResponse.make(try await answeringInsuranceErrors { try await policies.set(policy, by: user) })
        }
        group.get("fund") { request, context -> Response in
            _ = try context.requireInsuranceRole(Self.fundReaders)
            let year = try Self.year(request.uri.queryParameters.get("year").map { String($0) } ?? String(CivilDayText.todayText().prefix(4)))
            return try JSONResponse.make(try await answeringInsuranceErrors { try await policies.year(year) })
        }
        group.get("reports/fund") { request, context -> Response in
            _ = try context.requireInsuranceRole(Self.fundReaders)
            let year = try Self.year(request.uri.queryParameters.get("year").map { String($0) } ?? String(CivilDayText.todayText().prefix(4)))
            let byText = request.uri.queryParameters.get("by").map { String($0) } ?? "line"
            guard let grouping = FundReport.Grouping(rawValue: byText) else {
                throw APIError.validation([.init(field: "by", message: "应为 line（险种）、town（镇街）或 month（月份）")])
            }
            let format = request.uri.queryParameters.get("format").map { String($0) } ?? "json"
            guard ["json", "csv", "xlsx"].contains(format) else {
                throw APIError.validation([.init(field: "format", message: "应为 json、csv 或 xlsx")])
            }
            let report = try await answeringInsuranceErrors { try await policies.report(year: year, by: grouping) }
            let name = "insurance-fund-\(year)-by-\(grouping.rawValue)"
            switch format {
            case "csv": return DownloadResponse.make(report.csv(), contentType: DownloadResponse.csv, fileName: name + ".csv")
            case "xlsx":
                return DownloadResponse.make(try report.xlsx(), contentType: DownloadResponse.xlsx, fileName: name + ".xlsx")
            default: return try JSONResponse.make(report)
            }
        }
    }

    static func year(_ text: String?) throws -> Int {
        guard let year = text.flatMap({ Int($0) }), PolicyYear.years.contains(year) else {
            throw APIError.validation([.init(field: "year", message: "年份应在\(PolicyYear.years.lowerBound)至\(PolicyYear.years.upperBound)之间")])
        }
        return year
    }
}
