import Crypto
import Foundation

/// Bank account numbers are personal data: stored only sealed (AES-256-GCM with the service's key,
/// a fresh nonce each time), never logged, and shown masked (last four digits) in every answer.
struct BankAccountSealing: Sendable {
    fileprivate let key: SymmetricKey

    init?(base64Key: String) {
        guard let bytes = Data(base64Encoded: base64Key), bytes.count == 32 else { return nil }
        key = SymmetricKey(data: bytes)
    }

    /// The number sealed, as base64 of nonce, ciphertext and tag.
    func seal(_ accountNumber: String) throws -> String {
        guard let combined = try AES.GCM.seal(Data(accountNumber.utf8), using: key).combined else {
            throw InsuranceError(.recordMissing, "账号加密失败")
        }
        return combined.base64EncodedString()
    }

    /// The number a sealed text holds; `nil` when it was sealed with another key or altered. No HTTP
    /// answer gives it whole: it is for the insurer's transfer file to the bank, not built yet.
    func open(_ sealed: String) -> String? {
        guard let data = Data(base64Encoded: sealed), let box = try? AES.GCM.SealedBox(combined: data),
              let plain = try? AES.GCM.open(box, using: key) else { return nil }
        return String(decoding: plain, as: UTF8.self)
    }

    /// Digits only: spaces and dashes as people write account numbers are left out.
    static func normalized(_ text: String) -> String {
        text.filter { $0 != " " && $0 != "-" }
    }

    /// Whether the text is an account number (12 to 30 digits, as Chinese banks issue them).
    static func isValid(_ normalized: String) -> Bool {
        (12...30).contains(normalized.count) && normalized.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// The masked form shown in answers: 尾号 and the last four digits.
    static func masked(last4: String) -> String { "**** **** **** " + last4 }
}

extension BankAccountSealing {
    /// An HMAC-SHA256 of `data` under the service's key, hex: compares two requests that hold an
    /// account number without storing anything a guess of the number could be checked against.
    func fingerprint(_ data: Data) -> String {
        HMAC<SHA256>.authenticationCode(for: data, using: key).map { String(format: "%02x", $0) }.joined()
    }
}
