/// The four levels of the monitoring grid (四级网格): town or subdistrict (镇街), management area (管区),
/// village (村), household group (联户, about 50 households). See docs/grid.md.
enum GridLevel: String, Codable, Sendable, CaseIterable {
    case town
    case managementArea = "management-area"
    case village
    case householdGroup = "household-group"

    /// The level's Chinese name.
    var chineseName: String {
        switch self {
        case .town: "镇街"
        case .managementArea: "管区"
        case .village: "村"
        case .householdGroup: "联户网格"
        }
    }
}

/// One unit of the grid.
///
/// Codes: towns have their 9-digit statistical code (370115101 垛石镇), villages their 12-digit code
/// (370115101201). Management areas have no national code: town code + `A` + 2 digits
/// (`370115101A01`). Household groups: village code + 3 digits (`370115101201003`).
struct GridUnit: Codable, Sendable, Hashable {
    var level: GridLevel
    var code: String
    var name: String
    /// The enclosing unit's code (nil for towns, whose parent is the district 370115).
    var parentCode: String?
}

/// A person assigned to a grid unit: 网格长, 网格员, 联户长 and so on.
struct GridMember: Codable, Sendable, Hashable {
    /// Stable id, also the `sub` of the member's access token (e.g. `GM370115101201003`).
    var id: String
    var name: String
    /// Mobile number (personal data: never logged).
    var phone: String
    /// The duty in Chinese (网格长, 专职网格员, 联户长, …).
    var duty: String
    var level: GridLevel
    /// The code of the unit the member is assigned to.
    var unitCode: String
}

/// A whole grid: units (parents before children) and members.
struct Grid: Sendable {
    var units: [GridUnit]
    var members: [GridMember]
}
