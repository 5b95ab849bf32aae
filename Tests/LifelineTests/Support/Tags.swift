import Testing

extension Tag {
    /// Needs the real PostgreSQL and broker that `make test` starts.
    @Tag static var integration: Self
    /// Runs services and drives a whole flow through Kafka and PostgreSQL (slow: group joins take seconds).
    @Tag static var endToEnd: Self
}
