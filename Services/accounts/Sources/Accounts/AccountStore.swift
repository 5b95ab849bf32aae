import Foundation
import LifelineAuth
import LifelineEvents
import LifelinePersistence
import Logging

/// Administrators' work on accounts: list, create, change, disable, reset, and bulk creation from the
/// grid. An administrator is an account with `administrator` set (the district's or a town's), or a
/// platform `admin` token from `lifeline-token`; each reaches the accounts inside its own region. A
/// town administrator manages only its villages' accounts (village officials and grid members).
struct AccountStore: Sendable {
    let database: Database
    let hasher: PasswordHasher
    let audit: AccountAudit
    let logger: Logger

    /// What an administrator may do, decided from the caller's own account.
    struct Administrator: Sendable {
        var actor: String
        var region: String
        /// District-level (or platform) administrators manage every role and may name administrators.
        var isDistrictLevel: Bool

        func reaches(_ region: String) -> Bool { DivisionCode.contains(self.region, region) }

        func mayManage(role: Role, region: String) -> Bool {
            guard reaches(region) else { return false }
            if isDistrictLevel { return role != .admin }
            return role == .village || role == .gridMember
        }
    }

    /// A new account and the initial password to hand over (shown once, never stored).
    struct Created: Encodable, Sendable {
        var account: AccountView
        var initialPassword: String
    }

    /// What may be set on an account.
    struct Fields: Sendable {
        var name: String
        var mobile: String
        var role: Role
        var region: String
        var gridMemberId: String?
        var department: String?
        var administrator: Bool
    }

    func administrator(_ user: AuthenticatedUser) async throws -> Administrator {
        if user.role == .admin { return Administrator(actor: user.id, region: user.region, isDistrictLevel: true) }
        let rows = try await database.query("""
            SELECT id, region, administrator FROM accounts
            WHERE (id = \(user.id) OR grid_member_id = \(user.id)) AND disabled_at IS NULL
            """)
        for try await (id, region, administrator) in rows.decode((String, String, Bool).self) where administrator {
            return Administrator(actor: id, region: region, isDistrictLevel: DivisionCode.significantPrefix(region).count <= 6)
        }
        throw AccountsError(.forbidden, "只有管理员可以管理账号")
    }

    func list(by admin: Administrator, region: String?, role: Role?, search: String?) async throws -> [AccountView] {
        let prefix = DivisionCode.significantPrefix(region ?? admin.region) + "%"
        guard admin.reaches(region ?? admin.region) else { throw AccountsError(.forbidden, "超出管辖范围") }
        let pattern = search.map { "%" + $0 + "%" }
        let rows = try await database.query("""
            SELECT \(unescaped: Account.columns) FROM accounts
            WHERE region LIKE \(prefix) AND (\(role?.rawValue)::text IS NULL OR role = \(role?.rawValue))
              AND (\(pattern)::text IS NULL OR name LIKE \(pattern) OR mobile LIKE \(pattern))
            ORDER BY region, role, name LIMIT 2000
            """)
        var accounts: [Account] = []
        for try await row in rows.decode(Account.Row.self) { accounts.append(Account(row)) }
        let names = try await regionNames(accounts.map(\.region))
        return accounts.map { AccountView($0, regionName: names[$0.region], showMobile: true) }
    }

    func get(_ id: String, by admin: Administrator) async throws -> AccountView {
        let account = try await reachable(id, by: admin)
        return AccountView(account, regionName: try await regionNames([account.region])[account.region], showMobile: true)
    }

    /// The account of a token's subject (for `GET /v1/me`).
    func me(_ user: AuthenticatedUser) async throws -> AccountView {
        let rows = try await database.query("SELECT \(unescaped: Account.columns) FROM accounts WHERE id = \(user.id) OR grid_member_id = \(user.id)")
        for try await row in rows.decode(Account.Row.self) {
            let account = Account(row)
            return AccountView(account, regionName: try await regionNames([account.region])[account.region], showMobile: true)
        }
        throw AccountsError(.notFound, "账号不存在")
    }

    func create(_ fields: Fields, by admin: Administrator, client: String?) async throws -> Created {
        try check(fields, by: admin)
        let password = PasswordPolicy.initialPassword()
        let hash = try await hasher.hash(password)
        let account = try await database.transaction { connection in
            try await insert(fields, hash: hash, by: admin, client: client, on: connection)
        }
        return Created(account: AccountView(account, regionName: try await regionNames([account.region])[account.region], showMobile: true), initialPassword: password)
    }

    /// Changes the fields given; `disabled` true ends every session of the account at once.
    func update(
        _ id: String, name: String?, mobile: String?, role: Role?, region: String?, disabled: Bool?, administrator: Bool?, by admin: Administrator,
        client: String?
    ) async throws -> AccountView {
        let account = try await database.transaction { connection in
            let current = try await reachable(id, by: admin, on: connection)
            let newRole = role ?? current.role
            let fields = Fields(
                name: name ?? current.name, mobile: mobile ?? current.mobile, role: newRole, region: region ?? current.region,
                gridMemberId: [.gridMember, .village, .town].contains(newRole) ? current.gridMemberId : nil, department: current.department,
                administrator: administrator ?? current.administrator)
            try check(fields, by: admin)
            if current.id == admin.actor, disabled == true { throw AccountsError(.validationFailed, "不能停用自己的账号", field: "disabled") }
            try await taken(fields, except: id, on: connection)
            let rows = try await connection.query("""
                UPDATE accounts SET name = \(fields.name), mobile = \(fields.mobile), role = \(fields.role.rawValue), region = \(fields.region),
                    grid_member_id = \(fields.gridMemberId), administrator = \(fields.administrator),
                    disabled_at = CASE WHEN \(disabled)::boolean IS NULL THEN disabled_at WHEN \(disabled)::boolean THEN coalesce(disabled_at, now()) END,
                    updated_at = now()
                WHERE id = \(id) RETURNING \(unescaped: Account.columns)
                """, logger: logger)
            var updated: Account?
            for try await row in rows.decode(Account.Row.self) { updated = Account(row) }
            guard let updated else { throw AccountsError(.notFound, "账号不存在") }
            if disabled == true || fields.role != current.role || fields.region != current.region {
                try await connection.query("UPDATE sessions SET revoked_at = now() WHERE account_id = \(id) AND revoked_at IS NULL", logger: logger)
            }
            var changed: [String: String] = [:]
            if fields.name != current.name { changed["name"] = "changed" }
            if fields.mobile != current.mobile { changed["mobile"] = "changed" }
            if fields.role != current.role { changed["role"] = fields.role.rawValue }
            if fields.region != current.region { changed["region"] = fields.region }
            if fields.administrator != current.administrator { changed["administrator"] = String(fields.administrator) }
            if let disabled, disabled != (current.disabledAt != nil) { changed["disabled"] = String(disabled) }
            try await audit.record("updateAccount", actor: admin.actor, account: id, detail: changed, client: client, on: connection)
            return updated
        }
        return AccountView(account, regionName: try await regionNames([account.region])[account.region], showMobile: true)
    }

    /// A new initial password: the account must change it at the next sign-in, its lock is lifted and
    /// every session ends.
    func resetPassword(_ id: String, by admin: Administrator, client: String?) async throws -> Created {
        let password = PasswordPolicy.initialPassword()
        let hash = try await hasher.hash(password)
        let account = try await database.transaction { connection in
            _ = try await reachable(id, by: admin, on: connection)
            let rows = try await connection.query("""
                UPDATE accounts SET password_hash = \(hash), must_change_password = true, failed_attempts = 0, locked_until = NULL, updated_at = now()
                WHERE id = \(id) RETURNING \(unescaped: Account.columns)
                """, logger: logger)
            var updated: Account?
            for try await row in rows.decode(Account.Row.self) { updated = Account(row) }
            try await connection.query("UPDATE sessions SET revoked_at = now() WHERE account_id = \(id) AND revoked_at IS NULL", logger: logger)
            try await audit.record("resetPassword", actor: admin.actor, account: id, client: client, on: connection)
            guard let updated else { throw AccountsError(.notFound, "账号不存在") }
            return updated
        }
        return Created(account: AccountView(account, regionName: nil, showMobile: true), initialPassword: password)
    }

    /// The audit entries about one account, newest first.
    func auditEntries(of id: String, by admin: Administrator) async throws -> [AuditEntry] {
        _ = try await reachable(id, by: admin)
        let rows = try await database.query("""
            SELECT at, actor, action, outcome, detail::text FROM audit_log WHERE account_id = \(id) ORDER BY id DESC LIMIT 200
            """)
        var entries: [AuditEntry] = []
        for try await (at, actor, action, outcome, detail) in rows.decode((Date, String, String, String, String).self) {
            entries.append(AuditEntry(at: at, actor: actor, action: action, outcome: outcome, detail: detail))
        }
        return entries
    }

    struct AuditEntry: Encodable, Sendable {
        var at: Date
        var actor: String
        var action: String
        var outcome: String
        var detail: String
    }

    // MARK: Bulk creation from the grid

    /// One grid member's outcome in a bulk creation.
    struct BulkRow: Encodable, Sendable {
        var gridMemberId: String
        var name: String
        var duty: String
        var unitName: String
        var role: String
        var region: String
        /// `created`, or why not: `hasAccount` (this member already has one), `mobileTaken`, `badMobile`.
        var outcome: String
        var account: AccountView?
        var initialPassword: String?
    }

    /// Creates an account for every grid member inside `region` who has none: 联户长 of household
    /// groups as grid members, the village's own team as village officials, and (for a district
    /// administrator) management-area and town teams as town officials.
    func createFromGrid(region: String, by admin: Administrator, client: String?) async throws -> [BulkRow] {
        guard DivisionCode.isValid(region), admin.reaches(region) else { throw AccountsError(.forbidden, "超出管辖范围") }
        // One hash per account takes tens of milliseconds: a town (a few hundred members) answers in
        // seconds, a whole district would not, so the district opens its towns one at a time.
        guard DivisionCode.significantPrefix(region).count >= 9 else {
            throw AccountsError(.validationFailed, "请按镇街或村分批开通（填写9位镇街代码或12位村代码）", field: "region")
        }
        let rows = try await database.query("""
            SELECT m.member_id, m.name, m.duty, m.phone, u.code, u.level, u.name,
                   EXISTS (SELECT 1 FROM accounts a WHERE a.grid_member_id = m.member_id),
                   EXISTS (SELECT 1 FROM accounts a WHERE a.mobile = m.phone)
            FROM grid_members m JOIN grid_units u ON u.code = m.unit_code
            WHERE u.code LIKE \(DivisionCode.significantPrefix(region) + "%") ORDER BY u.code, m.member_id
            """)
        var members: [(id: String, name: String, duty: String, phone: String, unit: String, level: String, unitName: String, has: Bool, mobileTaken: Bool)] = []
        for try await row in rows.decode((String, String, String, String, String, String, String, Bool, Bool).self) {
            members.append((row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8))
        }
        var results: [BulkRow] = []
        for member in members {
            let (role, accountRegion): (Role, String) =
                switch GridUnitLevel(uncheckedRawValue: member.level) {
                case .householdGroup: (.gridMember, String(member.unit.prefix(12)))
                case .village: (.village, member.unit)
                default: (.town, String(member.unit.prefix(9)))
                }
            var row = BulkRow(
                gridMemberId: member.id, name: member.name, duty: member.duty, unitName: member.unitName, role: role.rawValue, region: accountRegion,
                outcome: "created")
            guard admin.mayManage(role: role, region: accountRegion) else { continue }
            if member.has {
                row.outcome = "hasAccount"
            } else if member.mobileTaken {
                row.outcome = "mobileTaken"
            } else if !MobileNumber.isValid(member.phone) {
                row.outcome = "badMobile"
            } else {
                // Every account opened from the grid keeps its member's id, so that a second run knows it.
                let fields = Fields(
                    name: member.name, mobile: member.phone, role: role, region: accountRegion, gridMemberId: member.id, department: nil,
                    administrator: false)
                let password = PasswordPolicy.initialPassword()
                let hash = try await hasher.hash(password)
                do {
                    let account = try await database.transaction { connection in
                        try await insert(fields, hash: hash, by: admin, client: client, on: connection, action: "createAccountFromGrid")
                    }
                    row.account = AccountView(account, regionName: member.unitName, showMobile: true)
                    row.initialPassword = password
                } catch let error as AccountsError where error.code == .taken {
                    // Two members of the file with one mobile number: the second is reported, the run goes on.
                    row.outcome = "mobileTaken"
                }
            }
            results.append(row)
        }
        return results
    }

    // MARK: Pieces

    private func check(_ fields: Fields, by admin: Administrator) throws {
        if fields.name.trimmingCharacters(in: .whitespaces).isEmpty || fields.name.count > 30 {
            throw AccountsError(.validationFailed, "姓名应为1至30个字", field: "name")
        }
        guard MobileNumber.isValid(fields.mobile) else { throw AccountsError(.validationFailed, "应为11位手机号码", field: "mobile") }
        guard DivisionCode.isValid(fields.region) else { throw AccountsError(.validationFailed, "应为行政区划代码（6、9或12位）", field: "region") }
        guard fields.role.acceptsRegion(fields.region) else {
            throw AccountsError(.validationFailed, "\(fields.role.chineseName)账号的区划应为\(fields.role.regionLevel)", field: "region")
        }
        if fields.gridMemberId != nil, ![.gridMember, .village, .town].contains(fields.role) {
            throw AccountsError(.validationFailed, "只有网格中的联户长、村级和镇街账号有网格员编号", field: "gridMemberId")
        }
        if fields.role == .gridMember, fields.gridMemberId?.isEmpty ?? true {
            throw AccountsError(.validationFailed, "联户长账号须填写网格员编号", field: "gridMemberId")
        }
        if fields.role == .department, fields.department?.isEmpty ?? true {
            throw AccountsError(.validationFailed, "部门数据专员账号须填写所属部门", field: "department")
        }
        guard admin.mayManage(role: fields.role, region: fields.region) else {
            throw AccountsError(.forbidden, admin.reaches(fields.region) ? "镇街管理员只能管理本镇街所辖村的村级和联户长账号" : "超出管辖范围")
        }
        if fields.administrator, !admin.isDistrictLevel { throw AccountsError(.forbidden, "只有区级管理员可以设置管理员") }
        if fields.administrator, ![.district, .town].contains(fields.role) {
            throw AccountsError(.validationFailed, "只有区级和镇街账号可以是管理员", field: "administrator")
        }
    }

    private func taken(_ fields: Fields, except id: String?, on connection: PostgresConnection) async throws {
        let rows = try await connection.query("""
            SELECT mobile = \(fields.mobile) FROM accounts
            WHERE (mobile = \(fields.mobile) OR grid_member_id = \(fields.gridMemberId)) AND id IS DISTINCT FROM \(id)
            """, logger: logger)
        for try await sameMobile in rows.decode(Bool.self) {
            throw sameMobile
                ? AccountsError(.taken, "该手机号码已有账号", field: "mobile") : AccountsError(.taken, "该网格员已有账号", field: "gridMemberId")
        }
    }

    private func insert(
        _ fields: Fields, hash: String, by admin: Administrator, client: String?, on connection: PostgresConnection, action: String = "createAccount"
    ) async throws -> Account {
        try await taken(fields, except: nil, on: connection)
        let rows = try await connection.query("""
            INSERT INTO accounts (id, name, mobile, role, region, grid_member_id, department, administrator, password_hash, created_by)
            VALUES ('ZH' || \(unescaped: RecordNumberSQL.digits("nextval('account_numbers')", atLeast: 8)), \(fields.name), \(fields.mobile), \(fields.role.rawValue), \(fields.region),
                    \(fields.gridMemberId), \(fields.department), \(fields.administrator), \(hash), \(admin.actor))
            RETURNING \(unescaped: Account.columns)
            """, logger: logger)
        for try await row in rows.decode(Account.Row.self) {
            let account = Account(row)
            try await audit.record(
                action, actor: admin.actor, account: account.id, detail: ["role": fields.role.rawValue, "region": fields.region], client: client,
                on: connection)
            return account
        }
        throw AccountsError(.notFound, "账号未能创建")
    }

    private func reachable(_ id: String, by admin: Administrator, on connection: PostgresConnection? = nil) async throws -> Account {
        let query: PostgresQuery = "SELECT \(unescaped: Account.columns) FROM accounts WHERE id = \(id)"
        let rows: PostgresRowSequence
        if let connection { rows = try await connection.query(query, logger: logger) } else { rows = try await database.query(query) }
        for try await row in rows.decode(Account.Row.self) {
            let account = Account(row)
            guard admin.mayManage(role: account.role, region: account.region) || (admin.isDistrictLevel && admin.reaches(account.region)) else { break }
            return account
        }
        throw AccountsError(.notFound, "账号不存在")
    }

    private func regionNames(_ codes: [String]) async throws -> [String: String] {
        let unique = Array(Set(codes))
        guard !unique.isEmpty else { return [:] }
        let rows = try await database.query("SELECT code, name FROM grid_units WHERE code = ANY(\(unique))")
        var names: [String: String] = [:]
        for try await (code, name) in rows.decode((String, String).self) { names[code] = name }
        return names
    }
}
