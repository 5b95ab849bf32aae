/// What went wrong in accounts' stores, in the domain's terms; `AccountsError.apiError` maps each code
/// to an HTTP answer. Messages are Chinese (an official reads them) and never carry a mobile number or
/// a password.
struct AccountsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What failed.
    struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        var description: String { raw }
        /// Unknown mobile number or wrong password (the answer does not say which).
        static let invalidCredentials = Code("invalid_credentials")
        /// Too many wrong passwords: the account is locked for a while.
        static let locked = Code("account_locked")
        /// The account is disabled (told only to someone who knows its password).
        static let disabled = Code("account_disabled")
        /// The session must first change its initial password.
        static let passwordChangeRequired = Code("password_change_required")
        /// The session token is unknown, expired or signed out.
        static let sessionInvalid = Code("session_invalid")
        /// No such account within the caller's reach (outside it looks the same).
        static let notFound = Code("not_found")
        /// Another account has this mobile number or grid member.
        static let taken = Code("already_taken")
        /// The caller is not an administrator of this region or may not grant this.
        static let forbidden = Code("forbidden")
        /// A field is wrong.
        static let validationFailed = Code("validation_failed")
    }

    let code: Code
    let message: String
    let field: String?

    init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    var description: String { "AccountsError(\(code))" }
}
