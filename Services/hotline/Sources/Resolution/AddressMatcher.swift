import Foundation

/// Finds the village an address was spoken about (口述地址) among the grid's units: tolerant of the
/// district's own name in front, of a missing town, and of 村/庄/屯 used for one another (张家庄 for
/// 张家村). An address that fits no village, or several equally, names none.
struct AddressMatcher: Sendable {
    struct Unit: Sendable, Hashable {
        var code: String
        var name: String
    }

    let towns: [Unit]
    let villages: [Unit]

    static let prefixes = ["山东省", "济南市", "济阳区", "济阳县", "济阳"]
    static let townSuffixes = ["街道办事处", "街道", "镇", "乡"]
    static let villageSuffixes = ["村民委员会", "村委会", "社区", "村", "庄", "屯"]

    /// The village code, or nil when the address names none or several.
    func village(in address: String) -> String? {
        var text = address.filter { !$0.isWhitespace }
        for prefix in Self.prefixes where text.hasPrefix(prefix) { text.removeFirst(prefix.count) }
        guard !text.isEmpty else { return nil }
        let namedTowns = Set(towns.filter { town in Self.variants(of: town.name, suffixes: Self.townSuffixes).contains { text.includes($0) } }.map(\.code))
        var candidates: [(code: String, score: Int)] = []
        for village in villages {
            let inNamedTown = namedTowns.contains(String(village.code.prefix(9)))
            // A named town rules out the villages of other towns.
            if !namedTowns.isEmpty && !inNamedTown { continue }
            let core = Self.core(of: village.name, suffixes: Self.villageSuffixes)
            guard core.count >= 2 else { continue }
            if text.includes(village.name) {
                candidates.append((village.code, 3))
            } else if Self.villageSuffixes.contains(where: { text.includes(core + $0) }) {
                candidates.append((village.code, 2))
            } else if core.count >= 3, text.includes(core) {
                candidates.append((village.code, 1))
            }
        }
        guard let best = candidates.map(\.score).max() else { return nil }
        let top = candidates.filter { $0.score == best }
        return top.count == 1 ? top[0].code : nil
    }

    static func core(of name: String, suffixes: [String]) -> String {
        for suffix in suffixes where name.hasSuffix(suffix) && name.count > suffix.count { return String(name.dropLast(suffix.count)) }
        return name
    }

    /// The name as written and without its suffix (仁风镇 → 仁风), the bare form only when it is long enough.
    static func variants(of name: String, suffixes: [String]) -> [String] {
        let bare = core(of: name, suffixes: suffixes)
        return bare.count >= 2 && bare != name ? [name, bare] : [name]
    }
}
