import Testing

extension Tag {
    /// Needs the real PostgreSQL and broker that `make test` starts.
    @Tag static var integration: Self
    /// Runs services and drives a whole flow through Kafka and PostgreSQL (slow: group joins take seconds).
    @Tag static var endToEnd: Self
}

extension Tag {
    /// Stops, freezes or kills infrastructure and processes of its own (profile `fault`) while a
    /// stream of events flows (slow: outages last tens of seconds).
    @Tag static var faultTolerance: Self
}
