import Crypto
import CryptoExtras
import Foundation

/// Hashes and checks passwords with scrypt (swift-crypto's CryptoExtras over BoringSSL). A stored hash
/// is `scrypt$<N>$<r>$<p>$<salt, base64>$<key, base64>`, so the cost can be raised later without
/// invalidating older hashes. Hashing takes tens of milliseconds on purpose; it runs off the server's
/// cooperative threads.
struct PasswordHasher: Sendable {
    /// scrypt's N (CPU and memory cost); 2^14 with r = 8 uses 16 MiB per hash.
    var rounds = 1 << 14
    var blockSize = 8
    var parallelism = 1

    /// A new hash of `password` with a fresh random salt.
    func hash(_ password: String) async throws -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let key = try await Self.offload { [rounds, blockSize, parallelism] in
            try Self.derive(password, salt: salt, rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        }
        return ["scrypt", String(rounds), String(blockSize), String(parallelism), Data(salt).base64EncodedString(), key.base64EncodedString()]
            .joined(separator: "$")
    }

    /// Whether `password` matches `stored`; false for a hash this version cannot read.
    func verify(_ password: String, against stored: String) async -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let rounds = Int(parts[1]), let blockSize = Int(parts[2]),
            let parallelism = Int(parts[3]), let salt = Data(base64Encoded: parts[4]), let expected = Data(base64Encoded: parts[5])
        else { return false }
        guard let derived = try? await Self.offload({ try Self.derive(password, salt: Array(salt), rounds: rounds, blockSize: blockSize, parallelism: parallelism) })
        else { return false }
        // SymmetricKey compares in constant time.
        return SymmetricKey(data: derived) == SymmetricKey(data: expected)
    }

    /// Spends the time of one check without a stored hash, so that an unknown mobile number answers
    /// as slowly as a wrong password.
    func spendOneCheck() async {
        _ = try? await Self.offload { [rounds, blockSize, parallelism] in
            try Self.derive("-", salt: Array(repeating: 0, count: 16), rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        }
    }

    private static func derive(_ password: String, salt: [UInt8], rounds: Int, blockSize: Int, parallelism: Int) throws -> Data {
        let key = try KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: 32, rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        return key.withUnsafeBytes { Data($0) }
    }

    private static func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }
}

/// What a password must be, and the initial passwords administrators hand out.
enum PasswordPolicy {
    /// The problem with `password`, in Chinese, or nil when it is acceptable: 8 to 64 characters with
    /// letters and digits, not the mobile number.
    static func problem(with password: String, mobile: String) -> String? {
        if password.count < 8 || password.count > 64 { return "密码应为8至64位" }
        if !password.contains(where: { $0.isASCII && $0.isLetter }) || !password.contains(where: { $0.isASCII && $0.isNumber }) {
            return "密码应同时包含字母和数字"
        }
        if password.contains(mobile) { return "密码不能包含手机号码" }
        return nil
    }

    /// A random initial password of 10 characters without look-alikes (no 0/O, 1/l/I), letters and digits.
    static func initialPassword() -> String {
        let letters = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ")
        let digits = Array("23456789")
        var generator = SystemRandomNumberGenerator()
        var characters = (0..<7).map { _ in letters.randomElement(using: &generator)! } + (0..<3).map { _ in digits.randomElement(using: &generator)! }
        characters.shuffle(using: &generator)
        return String(characters)
    }
}
