import Foundation
import JWTKit

/// Issues and verifies ES256 (ECDSA P-256) access tokens. Services hold only the public key; the
/// private key stays with whoever issues tokens (`lifeline-token` locally, an identity provider later).
public struct TokenKeys: Sendable {
    private let keys: JWTKeyCollection
    /// Whether these keys can sign.
    public let canSign: Bool
    /// The audience a verified token must name in `aud` (the verifying service's name), or nil to
    /// accept any audience (tools that only inspect tokens).
    public let audience: String?

    private init(keys: JWTKeyCollection, canSign: Bool, audience: String?) {
        self.keys = keys
        self.canSign = canSign
        self.audience = audience
    }

    /// Keys that verify only, from a PEM public key, for tokens whose `aud` includes `audience`.
    public static func verifying(publicKeyPEM pem: String, audience: String?) async throws -> TokenKeys {
        let key: ES256PublicKey
        do {
            key = try ES256PublicKey(pem: pem)
        } catch {
            throw AuthError(code: .keyUnavailable, message: "public key is not a PEM P-256 key")
        }
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key)
        return TokenKeys(keys: keys, canSign: false, audience: audience)
    }

    /// Keys that sign and verify, from a PEM private key.
    public static func signing(privateKeyPEM pem: String) async throws -> TokenKeys {
        let key: ES256PrivateKey
        do {
            key = try ES256PrivateKey(pem: pem)
        } catch {
            throw AuthError(code: .keyUnavailable, message: "private key is not a PEM P-256 key")
        }
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key)
        return TokenKeys(keys: keys, canSign: true, audience: nil)
    }

    /// A new key pair as PEM text.
    public static func generateKeyPair() -> (privateKeyPEM: String, publicKeyPEM: String) {
        let key = ES256PrivateKey()
        return (key.pemRepresentation, key.publicKey.pemRepresentation)
    }

    /// Signs claims into a compact JWT.
    public func issue(_ claims: LifelineClaims) async throws -> String {
        try await keys.sign(claims)
    }

    /// Verifies a compact JWT and returns its user.
    public func verify(_ token: String) async throws -> AuthenticatedUser {
        do {
            let claims = try await keys.verify(token, as: LifelineClaims.self)
            if let audience, !claims.aud.value.contains(audience) {
                throw AuthError(code: .invalidToken, message: "token is not for \(audience) (aud)")
            }
            return AuthenticatedUser(id: claims.sub.value, role: claims.role, region: claims.region, department: claims.department)
        } catch let error as AuthError {
            throw error
        } catch let error as JWTError where error.errorType == .claimVerificationFailure {
            throw AuthError(code: .expiredToken, message: "token has expired")
        } catch {
            throw AuthError(code: .invalidToken, message: "token signature or format is invalid")
        }
    }
}

extension TokenKeys {
    /// Whether `pem` is a PEM P-256 private key (checked at start-up by whoever signs).
    public static func isPrivateKey(pem: String) -> Bool {
        (try? ES256PrivateKey(pem: pem)) != nil
    }
}
