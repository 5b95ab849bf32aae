import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A small HTTP client for end-to-end tests, over a real socket.
struct HTTPResult {
    let status: Int
    let body: Data

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    var text: String { String(decoding: body, as: UTF8.self) }
}

enum HTTP {
    /// A session that neither stores nor sends cookies of its own.
    static let withoutCookieStorage: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        return URLSession(configuration: configuration)
    }()

    static func request(
        _ method: String, _ url: String, json: Any? = nil, body: Data? = nil, headers: [String: String] = [:]
    ) async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.timeoutInterval = 15
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        // A request that names its cookies (a browser's session, copied from WebDriver) sends exactly
        // those: the shared session's cookie storage would replace them with cookies an earlier request
        // was set (Foundation on Linux follows the session's configuration, not the request's flag).
        let session = headers["Cookie"] == nil ? URLSession.shared : Self.withoutCookieStorage
        let (data, response) = try await session.data(for: request)
        return HTTPResult(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
    }

    static func get(_ url: String, token: String? = nil) async throws -> HTTPResult {
        try await request("GET", url, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])
    }
}
