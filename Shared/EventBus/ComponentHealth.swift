import Synchronization

/// Whether one long-running part of a service (a consumer, the outbox relay) can do its work right
/// now, and if not, why. `/health/ready` reports every component's problem; the reasons name the
/// dependency and never carry data.
public final class ComponentHealth: Sendable {
    /// The component's name in readiness reports, e.g. `consumer review.case-opener`.
    public let name: String
    private let problem = Mutex<String?>(nil)

    /// Creates a healthy component.
    public init(name: String) {
        self.name = name
    }

    /// The current problem, or `nil` when the component works.
    public var currentProblem: String? { problem.withLock { $0 } }

    /// Records that the component cannot work, and why.
    public func fail(_ reason: String) {
        problem.withLock { $0 = reason }
    }

    /// Records that the component works again.
    public func recover() {
        problem.withLock { $0 = nil }
    }
}
