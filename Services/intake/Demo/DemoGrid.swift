import Foundation
import LifelineEvents

/// A synthetic but plausible monitoring grid for 济阳区: the 10 real towns and subdistricts with their
/// statistical codes, 44 management areas, 577 villages and about 2,600 household groups (联户网格),
/// with a member for every unit. Village, area and person names are invented; the same seed always
/// gives the same grid.
public enum DemoGrid {
    /// One real town or subdistrict and the demo's share of the grid.
    struct Town: Sendable {
        var code: String
        var name: String
        /// The name without 街道/镇, used for management-area names.
        var shortName: String
        var areas: Int
        var villages: Int
    }

    /// The towns of 济阳区 (NBS codes). Areas add up to 44, villages to 577.
    static let towns: [Town] = [
        Town(code: "370115001", name: "济阳街道", shortName: "济阳", areas: 4, villages: 48),
        Town(code: "370115002", name: "济北街道", shortName: "济北", areas: 4, villages: 42),
        Town(code: "370115003", name: "崔寨街道", shortName: "崔寨", areas: 5, villages: 62),
        Town(code: "370115004", name: "孙耿街道", shortName: "孙耿", areas: 4, villages: 55),
        Town(code: "370115005", name: "回河街道", shortName: "回河", areas: 4, villages: 58),
        Town(code: "370115006", name: "太平街道", shortName: "太平", areas: 5, villages: 64),
        Town(code: "370115101", name: "垛石镇", shortName: "垛石", areas: 4, villages: 60),
        Town(code: "370115103", name: "曲堤镇", shortName: "曲堤", areas: 5, villages: 66),
        Town(code: "370115104", name: "仁风镇", shortName: "仁风", areas: 5, villages: 64),
        Town(code: "370115110", name: "新市镇", shortName: "新市", areas: 4, villages: 58),
    ]

    /// The bounds on the total number of household groups.
    static let householdGroupRange = 2_500...2_700

    /// Builds the grid: units ordered by level (all towns, then areas, villages, household groups),
    /// so parents always come before their children; members in the same order as their units.
    public static func make(seed: UInt64 = 2026) -> DemoGridData {
        var structure = SeededRandom(seed: seed, stream: 1)
        var people = SeededRandom(seed: seed, stream: 2)
        var townUnits: [DemoGridUnit] = []
        var areas: [DemoGridUnit] = []
        var villages: [DemoGridUnit] = []
        for town in Self.towns {
            townUnits.append(DemoGridUnit(level: .town, code: town.code, name: town.name, parentCode: nil))
            var usedNames: Set<String> = []
            var villageNumber = 201
            for area in 1...town.areas {
                let areaCode = town.code + "A" + DemoText.padded(area, width: 2)
                areas.append(DemoGridUnit(
                    level: .managementArea, code: areaCode,
                    name: town.shortName + "第" + DemoText.chineseNumeral(area) + "管区", parentCode: town.code))
                // Near-equal split: the first `remainder` areas take one village more.
                let count = town.villages / town.areas + (area <= town.villages % town.areas ? 1 : 0)
                for _ in 0..<count {
                    let name = villageName(avoiding: usedNames, using: &structure)
                    usedNames.insert(name)
                    villages.append(DemoGridUnit(
                        level: .village, code: town.code + DemoText.padded(villageNumber, width: 3), name: name,
                        parentCode: areaCode))
                    villageNumber += 1
                }
            }
        }
        var groups: [DemoGridUnit] = []
        for (village, count) in zip(villages, groupCounts(villages: villages.count, using: &structure)) {
            for number in 1...count {
                groups.append(DemoGridUnit(
                    level: .householdGroup, code: village.code + DemoText.padded(number, width: 3),
                    name: "第" + DemoText.chineseNumeral(number) + "联户网格", parentCode: village.code))
            }
        }
        let units = townUnits + areas + villages + groups
        var members: [DemoGridMember] = []
        members.reserveCapacity(units.count + villages.count)
        for unit in units {
            let duties: [(suffix: String, duty: String)] =
                switch unit.level {
                case .town: [("", "镇街网格长")]
                case .managementArea: [("", "管区书记")]
                case .village: [("A", "村网格长"), ("B", "专职网格员")]
                default: [("", "联户长")]  // household groups
                }
            for (suffix, duty) in duties {
                let male = people.chance(unit.level == .householdGroup ? 0.45 : 0.7)
                let surname = people.pick(DemoText.surnames)
                let birthYear = people.int(in: 1962...1995)
                let name = DemoText.personName(surname: surname, male: male, birthYear: birthYear, using: &people)
                let phone = DemoText.mobileNumber(using: &people)
                members.append(DemoGridMember(
                    id: "GM" + unit.code + suffix, name: name, phone: phone, duty: duty, level: unit.level,
                    unitCode: unit.code))
            }
        }
        return DemoGridData(units: units, members: members)
    }

    /// 3–6 household groups per village, nudged until the total lies in `householdGroupRange`.
    private static func groupCounts(villages: Int, using random: inout SeededRandom) -> [Int] {
        guard villages > 0 else { return [] }
        var counts = (0..<villages).map { _ in random.int(in: 3...6) }
        var total = counts.reduce(0, +)
        while total < householdGroupRange.lowerBound {
            let index = random.int(in: 0...(villages - 1))
            if counts[index] < 6 { counts[index] += 1; total += 1 }
        }
        while total > householdGroupRange.upperBound {
            let index = random.int(in: 0...(villages - 1))
            if counts[index] > 3 { counts[index] -= 1; total -= 1 }
        }
        return counts
    }

    /// A rural village name not yet in `used`: 张家庄村, 前李村, 大柳树村 and the like.
    private static func villageName(avoiding used: Set<String>, using random: inout SeededRandom) -> String {
        for _ in 0..<200 {
            let name: String
            switch random.weightedIndex([40, 35, 25]) {
            case 0:
                let surname = random.pick(DemoText.surnames)
                let suffix = random.pick(familyVillageSuffixes)
                name = surname + "家" + suffix
            case 1:
                let direction = random.pick(directionPrefixes)
                let surname = random.pick(DemoText.surnames)
                let suffix = random.pick(directionVillageSuffixes)
                name = direction + surname + suffix
            default:
                name = random.pick(featureVillageNames)
            }
            if !used.contains(name) { return name }
        }
        // Unreachable in practice (thousands of possible names, at most 66 villages a town).
        var number = used.count + 1
        while used.contains("新村" + DemoText.chineseNumeral(number) + "村") { number += 1 }
        return "新村" + DemoText.chineseNumeral(number) + "村"
    }

    /// 张家村, 张家庄村, 张家屯村, …
    private static let familyVillageSuffixes: [String] = ["村", "庄村", "屯村", "集村", "寨村", "洼村", "庙村", "坊村"]
    /// 前李村, 东王庄村, 小刘家村, …
    private static let directionPrefixes: [String] = ["前", "后", "东", "西", "南", "北", "大", "小", "上", "下", "中"]
    private static let directionVillageSuffixes: [String] = ["村", "庄村", "家村", "屯村", "集村"]

    /// Village names after landscape, landmarks or 1950s–60s collective names.
    private static let featureVillageNames = [
        "大柳树村", "前进村", "胜利村", "红旗村", "新立村", "杨柳村", "河口村", "桥头村", "小河村", "三里庄村",
        "五里堡村", "十里铺村", "店子村", "枣林村", "梨园村", "沙窝村", "高庙村", "马店村", "官庄村", "新庄村",
        "太平庄村", "柳行村", "杏林村", "坡里村", "洼里村", "堤口村", "渡口村", "码头村", "槐树村", "榆林村",
        "双庙村", "龙王庙村", "关帝庙村", "仓上村", "营子村", "新兴村", "团结村", "和平村", "幸福村", "东风村",
        "兴隆村", "永安村", "长安村", "吉祥村", "丰收村", "土城村", "黄河涯村", "大寨村", "枣园村", "苇子湾村",
    ]
}

/// Names, numbers and numerals shared by the demo generators.
enum DemoText {
    /// Common surnames in northern Shandong; the most frequent appear more than once (weighting).
    static let surnames = [
        "王", "王", "王", "张", "张", "张", "李", "李", "李", "刘", "刘", "刘", "陈", "杨", "杨", "赵", "赵",
        "孙", "孙", "高", "高", "马", "马", "徐", "朱", "郭", "胡", "林", "何", "宋", "郑", "韩", "吕", "曹",
        "许", "邓", "冯", "董", "于", "于", "田", "范", "魏", "崔", "史", "姜", "苏", "孟", "贾", "邢", "翟",
        "付", "纪", "牛", "卢", "周", "吴", "黄", "商", "艾", "路", "巩",
    ]

    private static let olderMale = [
        "建国", "国强", "建军", "德胜", "春生", "玉山", "庆祥", "长海", "学文", "志刚", "立新", "振华", "宝山", "金良",
        "传福", "广田", "兆勇", "书林", "庆云", "忠", "明", "军", "福", "海", "新民", "保国", "连生", "树林",
    ]
    private static let olderFemale = [
        "秀英", "桂兰", "玉兰", "凤英", "秀兰", "淑珍", "桂芝", "玉珍", "秀芳", "翠花", "桂英", "春梅", "秀云", "淑兰",
        "玉梅", "兰英", "凤兰", "素珍", "芳", "霞", "梅", "英", "秀珍", "玉芹",
    ]
    private static let middleMale = [
        "伟", "磊", "勇", "军", "涛", "强", "鹏", "斌", "海涛", "建华", "志强", "晓东", "文杰", "振宇", "永强", "国栋",
        "建伟", "洪涛", "东升", "庆华", "宏伟", "明亮", "刚", "超",
    ]
    private static let middleFemale = [
        "丽", "娟", "静", "敏", "燕", "艳", "红", "霞", "丽娜", "海燕", "晓燕", "红梅", "丽丽", "春燕", "雪梅", "美玲",
        "慧", "莉", "婷", "玉洁", "彩霞", "秀丽", "晓红", "金凤",
    ]
    private static let youngerMale = [
        "浩然", "子轩", "宇航", "俊杰", "一鸣", "梓豪", "博文", "皓轩", "家豪", "浩宇", "明轩", "思远", "子墨", "宇",
        "晨", "昊", "鑫", "天佑", "嘉诚", "瑞", "睿", "文博",
    ]
    private static let youngerFemale = [
        "欣怡", "梓涵", "子涵", "雨桐", "思雨", "佳怡", "诗涵", "可馨", "梦瑶", "雨欣", "语嫣", "若曦", "佳琪", "悦",
        "萱", "琳", "一诺", "欣妍", "紫涵", "婉清", "雅琪", "梦琪",
    ]

    /// Surname + a given name typical of the person's sex and generation.
    static func personName(surname: String, male: Bool, birthYear: Int, using random: inout SeededRandom) -> String {
        let given: [String] =
            switch (birthYear < 1965, birthYear < 1995, male) {
            case (true, _, true): olderMale
            case (true, _, false): olderFemale
            case (false, true, true): middleMale
            case (false, true, false): middleFemale
            case (false, false, true): youngerMale
            case (false, false, false): youngerFemale
            }
        return surname + random.pick(given)
    }

    private static let mobileSecondDigits: [String] = ["3", "5", "8"]

    /// A mainland mobile number: 1, then 3, 5 or 8, then 9 digits.
    static func mobileNumber(using random: inout SeededRandom) -> String {
        let second = random.pick(mobileSecondDigits)
        let rest = padded(random.int(in: 0...999_999_999), width: 9)
        return "1" + second + rest
    }

    /// `value` in decimal, left-padded with zeros to `width` digits (for non-negative values).
    static func padded(_ value: Int, width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Chinese numerals for 1–99 (一, 十, 十二, 二十三); other values fall back to Arabic digits.
    static func chineseNumeral(_ value: Int) -> String {
        let units = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"]
        guard value > 0, value < 100 else { return String(value) }
        let tens = value / 10, ones = value % 10
        switch tens {
        case 0: return units[ones]
        case 1: return "十" + units[ones]
        default: return units[tens] + "十" + units[ones]
        }
    }
}
