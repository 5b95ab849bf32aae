import LifelineEvents
import LifelineKafka
import LifelinePersistence

/// What a consumer does with an event whose handling failed.
public enum FailureClass: Sendable, Equatable {
    /// A dependency is down (database unreachable, connection cut, pool refusing, broker unavailable):
    /// keep the event, wait with back-off, report not ready, resume by itself. Never dead-lettered.
    case infrastructure
    /// A passing condition the handler or the database declares (deadlock, serialization failure,
    /// `EventHandlingError` with `isRetriable`, `PassingConflict`): try again with back-off. Never dead-lettered.
    case retriable
    /// The event can never be processed (contract errors, handler errors declared permanent, errors in
    /// the data or the SQL): dead-letter it at once and move on.
    case permanent
    /// Anything else (an error nobody classified): tried `EVENT_MAX_ATTEMPTS` times, then dead-lettered.
    case unexpected

    /// Classifies `error`.
    public static func of(_ error: any Error) -> FailureClass {
        switch error {
        case is EventContractError: return .permanent
        case is DecodingError: return .permanent
        case is OutboxError: return .permanent
        case let error as EventHandlingError: return error.isRetriable ? .retriable : .permanent
        case is PassingConflict: return .retriable
        case let error as KafkaError: return error.isRetriable ? .infrastructure : .permanent
        default: break
        }
        if DatabaseFailure.isInfrastructure(error) { return .infrastructure }
        if let sqlState = DatabaseFailure.sqlState(of: error) {
            return sqlState.hasPrefix("40") ? .retriable : .permanent
        }
        return .unexpected
    }
}
