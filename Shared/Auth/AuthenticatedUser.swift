/// The caller of a request, from a verified token.
public struct AuthenticatedUser: Sendable, Hashable {
    /// User id.
    public var id: String
    /// Role.
    public var role: Role
    /// Division code of the jurisdiction.
    public var region: String
    /// A department clerk's department (from the token), `nil` for every other role.
    public var department: String?

    /// Creates a user.
    public init(id: String, role: Role, region: String, department: String? = nil) {
        self.id = id
        self.role = role
        self.region = region
        self.department = department
    }

    /// Whether the user's jurisdiction includes the division `code` (admins see everything).
    public func covers(region code: String) -> Bool {
        role == .admin || DivisionCode.contains(region, code)
    }

    /// Throws `forbidden` unless the user has one of `roles`.
    public func require(_ roles: Set<Role>) throws {
        guard role == .admin || roles.contains(role) else {
            throw AuthError(code: .forbidden, message: "role \(role.rawValue) may not do this")
        }
    }

    /// Throws `forbidden` unless the user's jurisdiction includes `code`.
    public func requireJurisdiction(over code: String) throws {
        guard covers(region: code) else {
            throw AuthError(code: .forbidden, message: "outside the caller's jurisdiction")
        }
    }
}
