// lifeline-token: key pairs and access tokens for local use and tests.
//
//   lifeline-token keygen <directory>          writes private.pem (mode 0600) and public.pem (ES256, P-256)
//   lifeline-token issue --key <private.pem> --user <id> --role <role> --region <division code>
//                        [--hours N (at most 12)] [--audience intake,review,…] [--department 医保]
//
// Roles: village, grid-member, town, district, department, insurer, hotline-operator, admin; the region
// must be of the role's level (village 12 digits, town 9, district roles 6). The audience defaults to
// every Lifeline service.
import Foundation
import LifelineAuth

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("lifeline-token: \(message)\n".utf8))
    exit(2)
}

func option(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "keygen":
    guard arguments.count == 2 else { fail("usage: lifeline-token keygen <directory>") }
    let directory = URL(fileURLWithPath: arguments[1])
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let pair = TokenKeys.generateKeyPair()
    // The private key is created with mode 0600 from the start (never world-readable, not even briefly).
    let privatePath = directory.appendingPathComponent("private.pem").path
    try? FileManager.default.removeItem(atPath: privatePath)
    guard FileManager.default.createFile(atPath: privatePath, contents: Data(pair.privateKeyPEM.utf8), attributes: [.posixPermissions: 0o600]) else {
        fail("cannot write \(privatePath)")
    }
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: privatePath)
    try pair.publicKeyPEM.write(to: directory.appendingPathComponent("public.pem"), atomically: true, encoding: .utf8)
    print(directory.path)
case "issue":
    guard let keyPath = option("--key", in: arguments) else { fail("--key <private.pem> is required") }
    guard let user = option("--user", in: arguments) else { fail("--user is required") }
    guard let roleText = option("--role", in: arguments), let role = Role(rawValue: roleText) else {
        fail("--role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    guard let region = option("--region", in: arguments), DivisionCode.isValid(region) else {
        fail("--region must be a division code (2, 4, 6, 9 or 12 digits), e.g. 370115")
    }
    guard role.acceptsRegion(region) else { fail("--region must be of the \(role.rawValue) role's level: \(role.regionLevel)") }
    guard let hours = Double(option("--hours", in: arguments) ?? "8"), hours > 0, hours * 3600 <= LifelineClaims.maximumLifetime else {
        fail("--hours must be between 0 and \(Int(LifelineClaims.maximumLifetime / 3600))")
    }
    let audience = option("--audience", in: arguments).map { $0.split(separator: ",").map(String.init) } ?? LifelineClaims.allAudiences
    guard let pem = try? String(contentsOfFile: keyPath, encoding: .utf8) else { fail("cannot read \(keyPath)") }
    let keys = try await TokenKeys.signing(privateKeyPEM: pem)
    let department = option("--department", in: arguments)
    guard department == nil || role == .department else { fail("--department is for the department role only") }
    print(try await keys.issue(LifelineClaims(user: user, role: role, region: region, department: department, audience: audience, lifetime: hours * 3600)))
default:
    fail("usage: lifeline-token keygen <directory> | issue --key <private.pem> --user <id> --role <role> --region <code>")
}
