import Hummingbird
import LifelineAuth

/// The request context of every Lifeline HTTP service: Hummingbird's core plus the authenticated
/// caller and the client's address (for rate limits).
public struct LifelineRequestContext: AuthenticatedRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var user: AuthenticatedUser?
    /// The client's IP address as seen by this server (before any proxy header is considered).
    public var remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.user = nil
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Request bodies larger than this are refused with 413.
    public var maxUploadSize: Int { 256 * 1024 }
}
