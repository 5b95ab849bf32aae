/// Administrative division codes (GB/T 2260 and the NBS 12-digit statistical codes): 2 digits province,
/// 4 city, 6 county/district, 9 town, 12 village. 370115 is 济阳区; 370115101 垛石镇.
public enum DivisionCode {
    /// The significant prefix of a code: trailing zero levels removed (`370115000000` → `370115`).
    public static func significantPrefix(_ code: String) -> String {
        var code = code
        while true {
            switch code.count {
            case 12 where code.hasSuffix("000"): code.removeLast(3)
            case 9 where code.hasSuffix("000"): code.removeLast(3)
            case 6 where code.hasSuffix("00"), 4 where code.hasSuffix("00"): code.removeLast(2)
            default: return code
            }
        }
    }

    /// Whether `code` has the shape of a division code (2, 4, 6, 9 or 12 digits).
    public static func isValid(_ code: String) -> Bool {
        [2, 4, 6, 9, 12].contains(code.count) && code.allSatisfy(\.isASCII) && code.allSatisfy(\.isNumber)
    }

    /// Whether the region `outer` contains the region `inner` (a region contains itself).
    public static func contains(_ outer: String, _ inner: String) -> Bool {
        significantPrefix(inner).hasPrefix(significantPrefix(outer))
    }
}
