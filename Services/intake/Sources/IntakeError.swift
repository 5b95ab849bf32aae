/// What went wrong in one of intake's stores, in the domain's terms; the routes map each code to an
/// HTTP answer (`IntakeError.apiError`). Messages are Chinese (an applicant or an official reads them)
/// and never contain personal data.
struct IntakeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What failed.
    struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        var description: String { raw }
        /// The applicant used an `Idempotency-Key` before with a different application.
        static let idempotencyKeyReused = Code("idempotency_key_reused")
        /// No such record in the caller's reach.
        static let notFound = Code("not_found")
        /// The application is not (or no longer) waiting for the village's verification.
        static let notHeld = Code("not_held")
        /// Confirming it would make a second open application for the same person.
        static let otherApplicationOpen = Code("other_application_open")
        /// The household is not a provisional one, or the household group is not of its village.
        static let notConfirmable = Code("not_confirmable")
        /// Some households named in a request are not of the village (one problem per household).
        static let householdsOutsideVillage = Code("validation_failed")
        /// A record written in this transaction could not be read back (a bug or a lost connection).
        static let recordMissing = Code("internal_error")
    }

    /// A problem with one field of the request.
    struct FieldProblem: Sendable, Hashable {
        var field: String
        var message: String
    }

    let code: Code
    let message: String
    let field: String?
    let problems: [FieldProblem]

    init(_ code: Code, _ message: String, field: String? = nil, problems: [FieldProblem] = []) {
        self.code = code
        self.message = message
        self.field = field
        self.problems = problems
    }

    var description: String { "IntakeError(\(code))" }
}
