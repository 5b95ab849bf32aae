/// What went wrong in one of review's stores, in the domain's terms; the routes map each code to an
/// HTTP answer (`ReviewError.apiError`). Messages are Chinese (an official reads them) and never carry
/// personal data.
struct ReviewError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What failed.
    struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        var description: String { raw }
        /// No such case or lead in the caller's reach (outside it looks the same).
        static let notFound = Code("not_found")
        /// The case is not at the step the action belongs to.
        static let wrongStage = Code("wrong_stage")
        /// The step belongs to another level (村/镇/区).
        static let notYourStep = Code("not_your_step")
        /// The case is closed.
        static let caseClosed = Code("case_closed")
        /// Objections of the announcement are not all resolved.
        static let objectionsOpen = Code("objections_open")
        /// The announcement has not run its minimum days.
        static let announcementRunning = Code("announcement_running")
        /// Department screening has not answered the comparison yet.
        static let comparisonPending = Code("comparison_pending")
        /// The rule finds the household not eligible (for monitoring or for elimination).
        static let ruleNotMet = Code("rule_not_met")
        /// The lead is not waiting for this action.
        static let leadSettled = Code("lead_settled")
        /// The household is unknown to the registry copy.
        static let unknownHousehold = Code("unknown_household")
        /// No monitoring line is set for the year.
        static let noMonitoringLine = Code("no_monitoring_line")
        /// The household is not monitored (or already has an elimination case).
        static let notMonitored = Code("not_monitored")
        /// The household has an open case already.
        static let caseOpen = Code("case_open")
        /// A field the step needs is missing (checked where the step is known).
        static let validationFailed = Code("validation_failed")
        /// A record written in this transaction could not be read back.
        static let recordMissing = Code("internal_error")
    }

    let code: Code
    let message: String
    let field: String?
    /// Conditions not met, for `ruleNotMet`.
    let unmet: [String]

    init(_ code: Code, _ message: String, field: String? = nil, unmet: [String] = []) {
        self.code = code
        self.message = message
        self.field = field
        self.unmet = unmet
    }

    var description: String { "ReviewError(\(code))" }
}
