import Foundation
import LifelineAuth
import Testing

@Suite struct AuthTests {
    @Test func issuedTokensVerifyWithThePublicKeyOnly() async throws {
        let pair = TokenKeys.generateKeyPair()
        let issuer = try await TokenKeys.signing(privateKeyPEM: pair.privateKeyPEM)
        let verifier = try await TokenKeys.verifying(publicKeyPEM: pair.publicKeyPEM, audience: "intake")
        let token = try await issuer.issue(LifelineClaims(user: "u-7", role: .town, region: "370115101"))
        let user = try await verifier.verify(token)
        #expect(user == AuthenticatedUser(id: "u-7", role: .town, region: "370115101"))
    }

    @Test func aTokenSignedByAnotherKeyIsRejected() async throws {
        let other = try await TokenKeys.signing(privateKeyPEM: TokenKeys.generateKeyPair().privateKeyPEM)
        let verifier = try await TokenKeys.verifying(publicKeyPEM: TokenKeys.generateKeyPair().publicKeyPEM, audience: "intake")
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

    /// The reason a token was refused, or nil when `verifier` accepts it.
    private func refusal(_ claims: LifelineClaims, audience: String = "intake") async throws -> String? {
        let pair = TokenKeys.generateKeyPair()
        let token = try await TokenKeys.signing(privateKeyPEM: pair.privateKeyPEM).issue(claims)
        do {
            _ = try await TokenKeys.verifying(publicKeyPEM: pair.publicKeyPEM, audience: audience).verify(token)
            return nil
        } catch let error as AuthError {
            #expect(error.code == .invalidToken)
            return error.message
        }
    }

    @Test func aTokenForAnotherServiceIsRefused() async throws {
        let insurerOnly = LifelineClaims(user: "i", role: .insurer, region: "370115", audience: ["insurance"])
        #expect(try await refusal(insurerOnly, audience: "intake")?.contains("aud") == true)
        #expect(try await refusal(insurerOnly, audience: "insurance") == nil)
    }

    @Test func onlyAClerksTokenNamesADepartment() async throws {
        #expect(try await refusal(LifelineClaims(user: "c", role: .department, region: "370115", department: "医保")) == nil)
        #expect(try await refusal(LifelineClaims(user: "d", role: .district, region: "370115", department: "医保"))?.contains("department") == true)
    }

    @Test func aTokenLivingLongerThanAShiftIsRefused() async throws {
        #expect(try await refusal(LifelineClaims(user: "d", role: .district, region: "370115", lifetime: 30 * 24 * 3600))?.contains("lifetime") == true)
        #expect(try await refusal(LifelineClaims(user: "d", role: .district, region: "370115", lifetime: 12 * 3600)) == nil)
        let future = LifelineClaims(user: "d", role: .district, region: "370115", lifetime: 3600, now: Date().addingTimeInterval(3600))
        #expect(try await refusal(future)?.contains("future") == true)
    }

    @Test(arguments: [
        (Role.village, "370115101", false), (.village, "370115101201", true), (.village, "370115101000", false),
        (.gridMember, "370115101201", true), (.town, "370115101201", false), (.town, "370115101", true), (.town, "370115101000", true),
        (.district, "370115101", false), (.district, "370115", true), (.district, "370115000000", true), (.department, "370115101201", false),
        (.admin, "37", true),
    ])
    func aRegionMustBeOfTheRolesLevel(role: Role, region: String, accepted: Bool) async throws {
        let reason = try await refusal(LifelineClaims(user: "u", role: role, region: region))
        #expect((reason == nil) == accepted, "\(role) \(region): \(reason ?? "accepted")")
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

    @Test func keygenWritesThePrivateKeyReadableByItsOwnerOnly() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let tool = Process()
        tool.executableURL = try TestEnvironment.binaryDirectory().appendingPathComponent("lifeline-token")
        tool.arguments = ["keygen", directory.path]
        tool.standardOutput = FileHandle.nullDevice
        try tool.run()
        while tool.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        #expect(tool.terminationStatus == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("private.pem").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
