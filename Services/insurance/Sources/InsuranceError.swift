/// What went wrong in one of insurance's stores, in the domain's terms; the routes map each code to an
/// HTTP answer (`InsuranceError.apiError`). Messages are Chinese (an official reads them) and never
/// carry personal data.
struct InsuranceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What failed.
    struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        var description: String { raw }
        /// No such claim, certification, household or year in the caller's reach (outside it looks the same).
        static let notFound = Code("not_found")
        /// The household is neither monitored nor certified by its town on the incident date.
        static let notCovered = Code("not_covered")
        /// No policy year, or no rule of the line, for the incident's year.
        static let noPolicy = Code("no_policy")
        /// The claim is not in the state the action needs (e.g. paying a claim not approved).
        static let wrongStatus = Code("wrong_status")
        /// The same `Idempotency-Key` came with a different claim.
        static let idempotencyKeyReused = Code("idempotency_key_reused")
        /// The household was merged into another one.
        static let householdMerged = Code("household_merged")
        /// The household is already under monitoring (a certification is not needed).
        static let alreadyMonitored = Code("already_monitored")
        /// The fund cannot be set below what is already reserved and paid.
        static let fundBelowCommitted = Code("fund_below_committed")
        /// A field is wrong in a way only the store can tell (e.g. a loss kind the year's rule does not cover).
        static let validationFailed = Code("validation_failed")
        /// A record written in this transaction could not be read back.
        static let recordMissing = Code("internal_error")
    }

    let code: Code
    let message: String
    let field: String?

    init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    var description: String { "InsuranceError(\(code))" }
}
