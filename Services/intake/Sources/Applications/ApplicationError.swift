/// What went wrong with an application, as the store knows it; `ApplicationRoutes` maps each code to an
/// HTTP answer. Messages are Chinese (the applicant or the village reads them) and never personal.
struct ApplicationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What failed.
    struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        var description: String { raw }
        /// The applicant used an `Idempotency-Key` before with a different application.
        static let idempotencyKeyReused = Code("idempotency_key_reused")
        /// No such application in the caller's reach.
        static let notFound = Code("not_found")
        /// The application is not (or no longer) waiting for the village's verification.
        static let notHeld = Code("not_held")
        /// Confirming it would make a second open application for the same person.
        static let otherApplicationOpen = Code("other_application_open")
    }

    let code: Code
    let message: String
    let field: String?

    init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    var description: String { "ApplicationError(\(code))" }
}
