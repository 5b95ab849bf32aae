import Foundation

/// Renders stored numbers: integers as plain digits, everything else as stored.
enum XLSXNumberText {
    /// "45000" → "45000", "12.0" → "12", "3.70115199001011E+17" → "370115199001011000",
    /// "1.5" → "1.5", "1E-3" → "1E-3". The digits are expanded from the text, never through Double,
    /// so no digits are invented or lost beyond what the file stores.
    static func render(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let zero = UInt8(ascii: "0")
        let nine = UInt8(ascii: "9")
        var index = 0
        var negative = false
        if index < bytes.count && (bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+")) {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var integerDigits: [UInt8] = []
        while index < bytes.count && bytes[index] >= zero && bytes[index] <= nine {
            integerDigits.append(bytes[index])
            index += 1
        }
        var fractionDigits: [UInt8] = []
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count && bytes[index] >= zero && bytes[index] <= nine {
                fractionDigits.append(bytes[index])
                index += 1
            }
        }
        guard !integerDigits.isEmpty || !fractionDigits.isEmpty else { return text }
        var exponent = 0
        if index < bytes.count && (bytes[index] == UInt8(ascii: "E") || bytes[index] == UInt8(ascii: "e")) {
            index += 1
            var exponentNegative = false
            if index < bytes.count && (bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+")) {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var exponentDigits = 0
            while index < bytes.count && bytes[index] >= zero && bytes[index] <= nine {
                guard exponentDigits < 4 else { return text }
                exponent = exponent * 10 + Int(bytes[index] - zero)
                exponentDigits += 1
                index += 1
            }
            guard exponentDigits > 0 else { return text }
            if exponentNegative { exponent = -exponent }
        }
        guard index == bytes.count else { return text }

        let digits = integerDigits + fractionDigits
        let point = integerDigits.count + exponent  // the decimal point sits before digits[point]
        guard point <= 40 else { return text }
        if point < digits.count {
            let fraction = digits[max(0, point)...]
            guard fraction.allSatisfy({ $0 == zero }) else { return text }
        }
        var integer: [UInt8]
        if point <= 0 {
            integer = []
        } else if point <= digits.count {
            integer = Array(digits[..<point])
        } else {
            integer = digits + Array(repeating: zero, count: point - digits.count)
        }
        let firstSignificant = integer.firstIndex { $0 != zero } ?? integer.count
        integer.removeFirst(firstSignificant)
        if integer.isEmpty { return "0" }
        return (negative ? "-" : "") + String(decoding: integer, as: UTF8.self)
    }
}
