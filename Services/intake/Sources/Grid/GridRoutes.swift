import Foundation
import Hummingbird
import LifelineAuth
import LifelineEventBus
import LifelineRuntime

/// The grid for officials: `GET /v1/grid` (towns) and `GET /v1/grid/{code}` (a unit's children, each
/// with its grid members), and `GET /v1/villages?region=` (the villages of a region).
struct GridRoutes: Sendable {
    let grid: GridStore
    let publisher: EventPublisher
    let tokenKeys: TokenKeys

    func add(to router: Router<LifelineRequestContext>) {
        let group = router.group("v1").add(middleware: BearerAuthMiddleware(keys: tokenKeys))
        group.get("grid") { _, context -> Response in
            try context.requireUser().require(HouseholdAccess.officials)
            struct List: Encodable { var units: [GridUnitView] }
            return try JSONResponse.make(List(units: try await grid.children(of: nil)))
        }
        group.get("grid/:code") { _, context -> Response in
            let user = try context.requireUser()
            try user.require(HouseholdAccess.officials)
            let code = try context.parameters.require("code")
            // A management area (370115101A01) belongs to its town; household groups to their village.
            let region = String(code.prefix(while: \.isNumber).prefix(12))
            guard DivisionCode.isValid(region), user.covers(region: region) else {
                throw APIError(status: .notFound, code: "not_found", message: "没有这个网格单元，或不在本账号负责范围内")
            }
            struct List: Encodable { var parentCode: String; var units: [GridUnitView] }
            guard try await grid.exists(code) else {
                throw APIError(status: .notFound, code: "not_found", message: "没有这个网格单元，或不在本账号负责范围内")
            }
            return try JSONResponse.make(List(parentCode: code, units: try await grid.children(of: code)))
        }
        group.post("grid/imports") { request, context -> Response in
            let user = try context.requireUser()
            try user.require([.district])
            var request = request
            let body = try await request.collectBody(upTo: 32 << 20)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-grid-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(body.readableBytesView).write(to: file)
            do {
                return try JSONResponse.make(try await GridFileImporter(grid: grid, publisher: publisher).run(file: file, covers: user.covers(region:)))
            } catch let failure as ImportFailure {
                throw APIError(
                    status: failure.code == .tooLarge ? .contentTooLarge : .badRequest, code: failure.code.rawValue, message: failure.message,
                    field: "file")
            }
        }
        group.get("villages") { request, context -> Response in
            let user = try context.requireUser()
            try user.require(HouseholdAccess.officials)
            let region = request.uri.queryParameters.get("region") ?? user.region
            guard DivisionCode.isValid(region), user.covers(region: region) else {
                throw APIError(status: .forbidden, code: "forbidden", message: "outside the caller's jurisdiction", field: "region")
            }
            struct Village: Encodable { var code: String; var name: String; var townName: String }
            struct List: Encodable { var villages: [Village] }
            let villages = try await grid.villages(in: DivisionCode.significantPrefix(region))
            return try JSONResponse.make(List(villages: villages.map { Village(code: $0.code, name: $0.name, townName: $0.townName) }))
        }
    }
}
