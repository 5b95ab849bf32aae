/// A conflict that the caller detected itself and that trying the work again resolves, like a
/// serialization failure (SQLSTATE 40001): `DatabaseRetry` tries the work again and an event
/// consumer classifies it as retriable, never dead-lettering the event for it.
///
/// Thrown inside a transaction, it rolls the transaction back. `reason` says what conflicted for
/// whoever reads the error (its `description`); like every error text, it must not carry personal data.
public struct PassingConflict: Error, Sendable, CustomStringConvertible {
    /// What conflicted, for the log (no data values).
    public var reason: String

    /// A conflict for `reason`.
    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { "PassingConflict(\(reason))" }
}
