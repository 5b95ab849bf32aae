import LifelineAuth
import LifelineRuntime

/// Who may see a household: officials whose jurisdiction covers its village, and grid members of the
/// household group it belongs to (a 联户长 sees only the households of their own groups).
struct HouseholdAccess: Sendable {
    let grid: GridStore

    static let officials: Set<Role> = [.village, .town, .district]

    /// The household groups the caller is limited to (grid members), or nil (officials: by region).
    func groupLimit(for user: AuthenticatedUser) async throws -> [String]? {
        switch user.role {
        case .gridMember: return try await grid.groups(ofMember: user.id)
        case .admin: return nil
        default:
            try user.require(Self.officials)
            return nil
        }
    }

    /// Whether the caller may see a household of `villageCode` in group `groupCode`.
    func canSee(_ user: AuthenticatedUser, villageCode: String, groupCode: String?) async throws -> Bool {
        guard user.covers(region: villageCode) else { return false }
        guard let groups = try await groupLimit(for: user) else { return true }
        return groupCode.map(groups.contains) ?? false
    }
}
