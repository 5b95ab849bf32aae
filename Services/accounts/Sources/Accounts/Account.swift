import Foundation
import LifelineAuth
import LifelineEvents
import LifelinePersistence

/// One official's account as stored (the password hash stays in the store).
struct Account: Sendable {
    var id: String
    var name: String
    var mobile: String
    var role: Role
    var region: String
    var gridMemberId: String?
    var department: String?
    var administrator: Bool
    var mustChangePassword: Bool
    var failedAttempts: Int
    var lockedUntil: Date?
    var disabledAt: Date?
    var lastSignInAt: Date?
    var createdAt: Date

    /// The columns `init(row:)` reads, in order.
    static let columns = """
        id, name, mobile, role, region, grid_member_id, department, administrator, must_change_password, failed_attempts,
        locked_until, disabled_at, last_sign_in_at, created_at
        """

    typealias Row = (String, String, String, String, String, String?, String?, Bool, Bool, Int, Date?, Date?, Date?, Date)

    init(_ row: Row) {
        (id, name, mobile) = (row.0, row.1, row.2)
        role = Role(rawValue: row.3) ?? .village
        (region, gridMemberId, department, administrator, mustChangePassword, failedAttempts) = (row.4, row.5, row.6, row.7, row.8, row.9)
        (lockedUntil, disabledAt, lastSignInAt, createdAt) = (row.10, row.11, row.12, row.13)
    }

    /// The token subject: a grid member's grid id (which decides the households intake shows), else the account id.
    var subject: String { role == .gridMember ? (gridMemberId ?? id) : id }

    /// Whether a wrong-password lock is in force at `now`.
    func isLocked(at now: Date = Date()) -> Bool { lockedUntil.map { $0 > now } ?? false }
}

/// An account as answered over HTTP. Administrators see the mobile number whole (they manage it);
/// everyone else only masked.
struct AccountView: Encodable, Sendable {
    var id: String
    var name: String
    var mobile: String?
    var mobileMasked: String
    var role: String
    var roleName: String
    var region: String
    var regionName: String?
    var gridMemberId: String?
    var department: String?
    var administrator: Bool
    /// `active`, `mustChangePassword`, `locked` or `disabled`.
    var status: String
    var statusName: String
    var lockedUntil: Date?
    var lastSignInAt: Date?
    var createdAt: Date

    init(_ account: Account, regionName: String?, showMobile: Bool) {
        id = account.id
        name = account.name
        mobile = showMobile ? account.mobile : nil
        mobileMasked = MobileNumber.masked(account.mobile)
        role = account.role.rawValue
        roleName = account.role.chineseName
        region = account.region
        self.regionName = regionName
        gridMemberId = account.gridMemberId
        department = account.department
        administrator = account.administrator
        if account.disabledAt != nil {
            (status, statusName) = ("disabled", "已停用")
        } else if account.isLocked() {
            (status, statusName) = ("locked", "已锁定")
        } else if account.mustChangePassword {
            (status, statusName) = ("mustChangePassword", "待修改初始密码")
        } else {
            (status, statusName) = ("active", "正常")
        }
        lockedUntil = account.isLocked() ? account.lockedUntil : nil
        lastSignInAt = account.lastSignInAt
        createdAt = account.createdAt
    }
}
