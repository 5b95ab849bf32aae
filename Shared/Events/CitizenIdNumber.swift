import Foundation

/// Citizen ID numbers (居民身份证号码, GB 11643-1999): 6-digit address code, 8-digit birth date,
/// 3-digit sequence (odd = male), ISO 7064 MOD 11-2 check character. Personal data: never log one.
public struct CitizenIdNumber: Sendable, Hashable, CustomStringConvertible {
    /// Why a text is not a valid ID number. The reason never repeats the number.
    public enum Problem: String, Error, Sendable, Hashable {
        /// Not 18 characters of digits (and a final X).
        case format
        /// The birth date is not a real date or lies in the future.
        case birthDate
        /// The check character does not match.
        case checkCharacter

        /// A Chinese explanation for forms.
        public var chineseMessage: String {
            switch self {
            case .format: "身份证号码应为18位，最后一位可以是X"
            case .birthDate: "身份证号码中的出生日期无效"
            case .checkCharacter: "身份证号码校验位不正确，请核对"
            }
        }
    }

    /// The normalised number (upper-case X).
    public let value: String

    private static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    private static let checkCharacters: [Character] = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]

    /// Validates and normalises `text`.
    public static func parse(_ text: String, today: Date = Date()) -> Result<CitizenIdNumber, Problem> {
        let normalised = text.trimmingWhitespace().uppercased()
        let bytes = Array(normalised.utf8)  // checked byte by byte: this runs once per row of a million-row import
        guard bytes.count == 18, bytes.prefix(17).allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              (bytes[17] >= 0x30 && bytes[17] <= 0x39) || bytes[17] == 0x58
        else { return .failure(.format) }
        let digits = bytes.prefix(17).map { Int($0 - 0x30) }
        guard birthDate(digits: digits, today: today) != nil else { return .failure(.birthDate) }
        guard Character(Unicode.Scalar(bytes[17])) == checkCharacter(for: digits) else { return .failure(.checkCharacter) }
        return .success(CitizenIdNumber(value: normalised))
    }

    /// The check character for the first 17 digits.
    public static func checkCharacter(for digits: [Int]) -> Character {
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return checkCharacters[sum % 11]
    }

    private static func birthDate(digits: [Int], today: Date) -> DateComponents? {
        let year = digits[6...9].reduce(0) { $0 * 10 + $1 }
        let month = digits[10] * 10 + digits[11]
        let day = digits[12] * 10 + digits[13]
        guard year >= 1900, CivilDay.isValid(year: year, month: month, day: day),
              year * 10_000 + month * 100 + day <= CivilDay.number(of: today)
        else { return nil }
        return DateComponents(year: year, month: month, day: day)
    }

    /// Redacted: ID numbers never reach logs through string interpolation.
    public var description: String { "CitizenIdNumber(redacted)" }

    /// `370125********1234`-style masking for screens that may show a hint.
    public var masked: String { Self.masked(value) }

    /// Masks stored ID-number text the way the national practice does: at most the first 6 (the
    /// issuing region) and the last 4 characters kept, the birth date (digits 7–14) never shown.
    /// Anything not 18 characters long is masked entirely.
    public static func masked(_ text: String) -> String {
        guard text.count == 18 else { return String(repeating: "*", count: text.count) }
        return String(text.prefix(6)) + String(repeating: "*", count: 8) + String(text.suffix(4))
    }
}

/// Mobile numbers (手机号码): 11 digits starting with 1.
public enum MobileNumber {
    /// Whether `text` is a mainland mobile number.
    public static func isValid(_ text: String) -> Bool {
        text.count == 11 && text.first == "1" && text.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// `138****1234`.
    public static func masked(_ text: String) -> String {
        guard text.count >= 7 else { return String(repeating: "*", count: text.count) }
        return String(text.prefix(3)) + "****" + String(text.suffix(4))
    }
}
