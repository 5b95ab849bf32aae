import LifelineEvents

/// A unit of the demo grid, as one row of the grid file (层级, 代码, 名称, 上级代码).
public struct DemoGridUnit: Sendable, Hashable {
    /// The unit's level.
    public var level: GridUnitLevel
    /// Its code (`370115101`, `370115101A01`, `370115101201`, `370115101201003`).
    public var code: String
    /// Its name.
    public var name: String
    /// The enclosing unit's code (nil for towns).
    public var parentCode: String?
}

/// A grid member of the demo grid (网格员编号, 网格员姓名, 联系电话, 职务).
public struct DemoGridMember: Sendable, Hashable {
    /// `GM` + unit code (+ `A`/`B` for the two village members).
    public var id: String
    /// Full name.
    public var name: String
    /// Mobile number.
    public var phone: String
    /// The duty in Chinese.
    public var duty: String
    /// The level of the unit the member serves.
    public var level: GridUnitLevel
    /// The unit's code.
    public var unitCode: String
}

/// The whole demo grid: units (parents before children) and their members.
public struct DemoGridData: Sendable {
    /// Every unit, towns first, then areas, villages and household groups.
    public var units: [DemoGridUnit]
    /// Every member, in the order of their units.
    public var members: [DemoGridMember]
}
