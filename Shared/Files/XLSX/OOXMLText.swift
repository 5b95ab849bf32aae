import Foundation

/// The `_xHHHH_` escapes OOXML uses in strings for characters XML cannot carry (e.g. `_x000D_`).
enum OOXMLText {
    static func unescape(_ text: String) -> String {
        guard text.contains("_x") else { return text }
        let scalars = Array(text.unicodeScalars)
        var result = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if scalars[index] == "_", index + 6 < scalars.count, scalars[index + 1] == "x", scalars[index + 6] == "_",
                scalars[(index + 2)..<(index + 6)].allSatisfy({ $0.properties.isASCIIHexDigit })
            {
                var hex = ""
                hex.unicodeScalars.append(contentsOf: scalars[(index + 2)..<(index + 6)])
                if let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) {
                    result.append(scalar)
                    index += 7
                    continue
                }
            }
            result.append(scalars[index])
            index += 1
        }
        return String(result)
    }
}
