import Crypto
import Foundation
import LifelineAuth

/// What the console remembers about a signed-in official, sealed (AES-256-GCM) into an HTTP-only,
/// SameSite=Strict cookie: the accounts session token that buys access tokens, the current access
/// token, the form token (CSRF) and who the official is. Nothing is kept on the server, so any
/// instance serves any request.
struct ConsoleSession: Codable, Sendable {
    var sessionToken: String
    var accessToken: String?
    var accessExpiresAt: Date?
    /// When the accounts session ends (the cookie's lifetime).
    var sessionExpiresAt: Date?
    /// Every form carries it; a POST without it is refused.
    var formToken: String
    var passwordChangeRequired: Bool
    var name: String
    var role: Role
    var region: String
    var regionName: String?
    var administrator: Bool
    /// A department clerk's department (卫健, 医保, …).
    var department: String? = nil
    /// The official's latest uploads (monthly files), newest first, at most five: long work can be left
    /// and found again on the uploads page.
    var uploads: [String]? = nil
    /// The official's latest registry imports (户籍信息导入), newest first, at most five.
    var imports: [String]? = nil
    /// The official's latest poster runs (海报批量生成), newest first, at most five.
    var posterRuns: [String]? = nil

    static let cookieName = "lifeline_session"
    /// The anonymous form token's cookie (the sign-in form, before any session exists).
    static let formCookieName = "lifeline_form"

    func sealed(with key: SymmetricKey) throws -> String {
        let data = try JSONEncoder().encode(self)
        let box = try AES.GCM.seal(data, using: key)
        return Base64URL.encode(box.combined!)
    }

    static func open(_ text: String, with key: SymmetricKey) -> ConsoleSession? {
        guard let data = Base64URL.decode(text), let box = try? AES.GCM.SealedBox(combined: data),
            let plain = try? AES.GCM.open(box, using: key)
        else { return nil }
        return try? JSONDecoder().decode(ConsoleSession.self, from: plain)
    }

    /// A random token for forms.
    static func newFormToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode(Data((0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) }))
    }
}

enum Base64URL {
    static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
