/// Safe drinking water (饮水安全) as the national assessment measures it: quantity, quality, access and
/// reliability. Each failed threshold is named, so the village sees what is missing.
struct WaterSafety: Codable, Sendable, Hashable {
    /// Litres per person per day.
    var litresPerPersonPerDay: Double
    /// In a dry area (干旱地区) the quantity threshold is 20 L instead of 35 L.
    var dryArea: Bool
    /// Quality meets the standard (水质达标).
    var qualityMeetsStandard: Bool
    /// Piped to the yard or the house (自来水入户).
    var piped: Bool
    /// Minutes for a round trip to fetch water, when not piped.
    var fetchMinutes: Double?
    /// Horizontal metres to the source, when not piped.
    var horizontalMetres: Double?
    /// Vertical metres to the source, when not piped.
    var verticalMetres: Double?
    /// Days without water in the last year (断水天数).
    var interruptionDaysPerYear: Int

    /// National thresholds (水利部 农村饮水安全评价准则 T/CHES 18-2018).
    enum Threshold {
        static let litres: Double = 35
        static let litresInDryAreas: Double = 20
        static let fetchMinutes: Double = 20
        static let horizontalMetres: Double = 800
        static let verticalMetres: Double = 80
        static let interruptionDays = 36
    }

    /// The thresholds not met, in Chinese; empty when the water is safe.
    var shortfalls: [String] {
        var found: [String] = []
        let needed = dryArea ? Threshold.litresInDryAreas : Threshold.litres
        if litresPerPersonPerDay < needed { found.append("水量不足（每人每天\(Int(needed))升）") }
        if !qualityMeetsStandard { found.append("水质不达标") }
        if !piped {
            let byTime = (fetchMinutes ?? .infinity) <= Threshold.fetchMinutes
            let byDistance = (horizontalMetres ?? .infinity) <= Threshold.horizontalMetres && (verticalMetres ?? .infinity) <= Threshold.verticalMetres
            if !(byTime || byDistance) { found.append("取水不便（往返超过20分钟，或水平距离超过800米、垂直距离超过80米）") }
        }
        if interruptionDaysPerYear > Threshold.interruptionDays { found.append("供水不稳定（年断水超过36天）") }
        return found
    }

    var isSecure: Bool { shortfalls.isEmpty }
}

/// 两不愁三保障 and safe drinking water, as checked at the home visit.
struct BasicNeedsChecklist: Codable, Sendable, Hashable {
    /// 不愁吃
    var food: Bool
    /// 不愁穿
    var clothing: Bool
    /// 义务教育有保障 (no child of compulsory-school age out of school for lack of money)
    var compulsorySchooling: Bool
    /// 基本医疗有保障 (insured, treatment affordable)
    var basicMedical: Bool
    /// 住房安全有保障 (not a dangerous house)
    var safeHousing: Bool
    /// 饮水安全
    var water: WaterSafety

    /// What is not secure, in Chinese; empty when all is.
    var shortfalls: [String] {
        var found: [String] = []
        if !food { found.append("吃饭没有保障") }
        if !clothing { found.append("穿衣没有保障") }
        if !compulsorySchooling { found.append("义务教育没有保障") }
        if !basicMedical { found.append("基本医疗没有保障") }
        if !safeHousing { found.append("住房不安全") }
        return found + water.shortfalls.map { "饮水：\($0)" }
    }

    var isSecure: Bool { shortfalls.isEmpty }
}
