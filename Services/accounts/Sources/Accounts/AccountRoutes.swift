import Foundation
import HTTPTypes
import Hummingbird
import LifelineAuth
import LifelineRuntime

/// Administrators' account endpoints and `GET /v1/me` (docs/openapi.yaml, accounts).
struct AccountRoutes: Sendable {
    let accounts: AccountStore
    let clients: ClientAddressResolver

    func add(to group: RouterGroup<LifelineRequestContext>) {
        group.get("me") { _, context -> Response in
            try JSONResponse.make(try await answeringAccountsErrors { try await accounts.me(try context.requireUser()) })
        }
        group.get("accounts") { request, context -> Response in
            let admin = try await administrator(context)
            let query = request.uri.queryParameters
            let role = try query.get("role").map { try Self.role(String($0)) }
            let region = query.get("region").map { String($0) }
            if let region, !DivisionCode.isValid(region) { throw APIError.validation([.init(field: "region", message: "应为行政区划代码")]) }
            return try JSONResponse.make(["accounts": try await answeringAccountsErrors {
                try await accounts.list(by: admin, region: region, role: role, search: query.get("q").map { String($0.prefix(30)) })
            }])
        }
        group.post("accounts") { request, context -> Response in
            let admin = try await administrator(context)
            struct Body: Decodable {
                var name: String
                var mobile: String
                var role: String
                var region: String
                var gridMemberId: String?
                var department: String?
                var administrator: Bool?
            }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            let fields = AccountStore.Fields(
                name: body.name.trimmingCharacters(in: .whitespaces), mobile: body.mobile, role: try Self.role(body.role), region: body.region,
                gridMemberId: body.gridMemberId, department: body.department, administrator: body.administrator ?? false)
            let created = try await answeringAccountsErrors { try await accounts.create(fields, by: admin, client: client(request, context)) }
            return try JSONResponse.make(created, status: .created)
        }
        group.get("accounts/:id") { _, context -> Response in
            let admin = try await administrator(context)
            return try JSONResponse.make(try await answeringAccountsErrors { try await accounts.get(try context.parameters.require("id"), by: admin) })
        }
        group.patch("accounts/:id") { request, context -> Response in
            let admin = try await administrator(context)
            struct Body: Decodable {
                var name: String?
                var mobile: String?
                var role: String?
                var region: String?
                var disabled: Bool?
                var administrator: Bool?
            }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            let role = try body.role.map { try Self.role($0) }
            return try JSONResponse.make(try await answeringAccountsErrors {
                try await accounts.update(
                    try context.parameters.require("id"), name: body.name, mobile: body.mobile, role: role, region: body.region, disabled: body.disabled,
                    administrator: body.administrator, by: admin, client: client(request, context))
            })
        }
        group.post("accounts/:id/password-reset") { request, context -> Response in
            let admin = try await administrator(context)
            return try JSONResponse.make(try await answeringAccountsErrors {
                try await accounts.resetPassword(try context.parameters.require("id"), by: admin, client: client(request, context))
            })
        }
        group.get("accounts/:id/audit") { _, context -> Response in
            let admin = try await administrator(context)
            return try JSONResponse.make(["entries": try await answeringAccountsErrors {
                try await accounts.auditEntries(of: try context.parameters.require("id"), by: admin)
            }])
        }
        group.post("accounts/from-grid") { request, context -> Response in
            let admin = try await administrator(context)
            struct Body: Decodable {
                var region: String
            }
            let body = try await RequestDecoding.decode(Body.self, from: request, context: context)
            guard DivisionCode.isValid(body.region) else { throw APIError.validation([.init(field: "region", message: "应为行政区划代码")]) }
            let rows = try await answeringAccountsErrors { try await accounts.createFromGrid(region: body.region, by: admin, client: client(request, context)) }
            return try JSONResponse.make(["results": rows], status: .ok)
        }
    }

    private func administrator(_ context: LifelineRequestContext) async throws -> AccountStore.Administrator {
        let user = try context.requireUser()
        return try await answeringAccountsErrors { try await accounts.administrator(user) }
    }

    private func client(_ request: Request, _ context: LifelineRequestContext) -> String {
        clients.clientKey(peer: context.remoteAddress, forwardedFor: request.headers[HTTPField.Name("X-Forwarded-For")!])
    }

    static func role(_ text: String) throws -> Role {
        guard let role = Role(rawValue: text), role != .admin else {
            throw APIError.validation([.init(
                field: "role", message: "应为 village、grid-member、town、district、department、insurer 或 hotline-operator")])
        }
        return role
    }
}
