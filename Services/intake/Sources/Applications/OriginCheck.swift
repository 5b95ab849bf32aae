import Foundation
import HTTPTypes
import Hummingbird
import LifelineRuntime

/// Refuses browser posts from other sites (CSRF): a request that carries `Origin` must come from the
/// public base URL's origin or from the host it was sent to; `Sec-Fetch-Site: cross-site` is refused
/// too. Clients that are not browsers send neither header and are not affected.
struct OriginCheck: Sendable {
    /// `scheme://host[:port]` of `PUBLIC_BASE_URL`.
    let publicOrigin: String?

    init(publicBaseURL: String) {
        publicOrigin = URL(string: publicBaseURL).flatMap(Self.origin(of:))
    }

    static func origin(of url: URL) -> String? {
        guard let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased() else { return nil }
        return url.port.map { "\(scheme)://\(host):\($0)" } ?? "\(scheme)://\(host)"
    }

    func enforce(_ request: Request) throws {
        if request.headers[HTTPField.Name("Sec-Fetch-Site")!]?.lowercased() == "cross-site" {
            throw Self.refusal
        }
        guard let origin = request.headers[HTTPField.Name("Origin")!] else { return }
        guard let url = URL(string: origin), let normalised = Self.origin(of: url) else { throw Self.refusal }
        if normalised == publicOrigin { return }
        let host = request.head.authority?.lowercased()
        if let host, normalised == "http://\(host)" || normalised == "https://\(host)" { return }
        throw Self.refusal
    }

    private static let refusal = APIError(
        status: .forbidden, code: "cross_origin", message: "请从本平台的申报页面提交", field: "Origin")
}
