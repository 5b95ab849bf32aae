import Foundation
import LifelineAuth
import Testing

@Suite struct AuthTests {
    @Test func issuedTokensVerifyWithThePublicKeyOnly() async throws {
        let pair = TokenKeys.generateKeyPair()
        let issuer = try await TokenKeys.signing(privateKeyPEM: pair.privateKeyPEM)
        let verifier = try await TokenKeys.verifying(publicKeyPEM: pair.publicKeyPEM)
        let token = try await issuer.issue(LifelineClaims(user: "u-7", role: .town, region: "370115101"))
        let user = try await verifier.verify(token)
        #expect(user == AuthenticatedUser(id: "u-7", role: .town, region: "370115101"))
    }

    @Test func aTokenSignedByAnotherKeyIsRejected() async throws {
        let other = try await TokenKeys.signing(privateKeyPEM: TokenKeys.generateKeyPair().privateKeyPEM)
        let verifier = try await TokenKeys.verifying(publicKeyPEM: TokenKeys.generateKeyPair().publicKeyPEM)
        let token = try await other.issue(LifelineClaims(user: "u", role: .admin, region: "370115"))
        await #expect(throws: AuthError.self) { try await verifier.verify(token) }
    }

    @Test func anExpiredTokenIsRejectedAsExpired() async throws {
        let pair = TokenKeys.generateKeyPair()
        let issuer = try await TokenKeys.signing(privateKeyPEM: pair.privateKeyPEM)
        let token = try await issuer.issue(LifelineClaims(user: "u", role: .village, region: "370115101201", lifetime: -60))
        do {
            _ = try await issuer.verify(token)
            Issue.record("expired token accepted")
        } catch let error as AuthError {
            #expect(error.code == .expiredToken)
        }
    }

    @Test func jurisdictionFollowsDivisionCodes() {
        let town = AuthenticatedUser(id: "t", role: .town, region: "370115101")
        #expect(town.covers(region: "370115101201"))
        #expect(!town.covers(region: "370115103201"))
        let district = AuthenticatedUser(id: "d", role: .district, region: "370115000000")
        #expect(district.covers(region: "370115103201"))
        #expect(!district.covers(region: "370125001001"))
        #expect(AuthenticatedUser(id: "a", role: .admin, region: "37").covers(region: "110105001001"))
        #expect(throws: AuthError.self) { try town.require([.district]) }
        #expect(DivisionCode.significantPrefix("370115101000") == "370115101")
    }
}
