import Foundation

/// The level of a monitoring-grid unit (四级网格), an open enumeration.
public struct GridUnitLevel: OpenEnumeration {
    /// The value as published.
    public let rawValue: String

    /// Any value, known or not.
    public init(uncheckedRawValue: String) {
        rawValue = uncheckedRawValue
    }

    /// 镇街: a town or subdistrict (9-digit code).
    public static let town = GridUnitLevel(uncheckedRawValue: "town")
    /// 管区: a management area of a town (town code + `A` + 2 digits).
    public static let managementArea = GridUnitLevel(uncheckedRawValue: "management-area")
    /// 村: a village (12-digit code).
    public static let village = GridUnitLevel(uncheckedRawValue: "village")
    /// 联户网格: a household group of about 50 households (village code + 3 digits).
    public static let householdGroup = GridUnitLevel(uncheckedRawValue: "household-group")

    /// The values this version knows, from the top.
    public static let knownValues: [GridUnitLevel] = [.town, .managementArea, .village, .householdGroup]
}

/// One unit of the monitoring grid with its grid members, as intake knows it now; published on the
/// compacted topic `intake.grid`, keyed by the unit's code, whenever the unit or its team changes, so
/// that hotline can match spoken addresses to villages and notification can reach grid members.
/// A consumer reading the topic from the start has the whole grid.
public struct GridUnitRegistered: DomainEvent, Hashable {
    public static let eventType = "lifeline.intake.GridUnitRegistered.v1"
    public static let topic = EventTopic.intakeGrid

    /// The unit's code (`370115101`, `370115101A01`, `370115101201`, `370115101201003`).
    public var code: String
    /// Its level.
    public var level: GridUnitLevel
    /// Its name (垛石镇, 第一管区, 邢家村, 第三联户网格).
    public var name: String
    /// The enclosing unit's code; nil for a town (its parent is the district).
    public var parentCode: String?
    /// The unit's grid members (网格长, 专职网格员, 联户长, …), all of them: a member no longer listed has left.
    public var members: [Member]
    /// When this version of the unit was made.
    public var updatedAt: Date

    public var partitionKey: String { code }
    public var subject: String? { code }

    /// A grid member.
    public struct Member: Codable, Sendable, Hashable {
        /// Stable id, also the `sub` of the member's access token (e.g. `GM370115101201003`).
        public var id: String
        /// Full name.
        public var name: String
        /// The duty in Chinese (网格长, 专职网格员, 联户长, …).
        public var duty: String
        /// The work mobile number villagers call (personal data: masked wherever it is shown to others).
        public var phone: String

        /// Creates a member.
        public init(id: String, name: String, duty: String, phone: String) {
            self.id = id
            self.name = name
            self.duty = duty
            self.phone = phone
        }
    }

    /// Creates the event.
    public init(code: String, level: GridUnitLevel, name: String, parentCode: String?, members: [Member], updatedAt: Date) {
        self.code = code
        self.level = level
        self.name = name
        self.parentCode = parentCode
        self.members = members
        self.updatedAt = updatedAt
    }
}
