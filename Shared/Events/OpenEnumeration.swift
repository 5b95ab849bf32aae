import Synchronization

/// A domain enumeration (困难类型, 四路, 认定环节, …) that a consumer can read even when a newer
/// service publishes a value it does not know yet, so services can be deployed in any order.
///
/// `init?(rawValue:)` accepts known values only: the edges that take input from people (forms, files)
/// stay strict. Decoding an event accepts any string: an unknown value keeps its raw text, `isKnown`
/// is `false`, its `chineseName` says so, and the value is noted once in `UnknownDomainValues` for the
/// consumer to log. Each handler decides what an unknown value means for it (docs/architecture.md,
/// "Event evolution").
public protocol OpenEnumeration: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible where RawValue == String {
    /// The values this version knows, in their display order.
    static var knownValues: [Self] { get }
    /// Any value, known or not (what decoding uses).
    init(uncheckedRawValue: String)
}

extension OpenEnumeration {
    /// Known values only: `nil` for anything else.
    public init?(rawValue: String) {
        let value = Self(uncheckedRawValue: rawValue)
        guard value.isKnown else { return nil }
        self = value
    }

    /// Whether this version knows the value.
    public var isKnown: Bool { Self.knownValues.contains(self) }

    /// The known values (the `CaseIterable` of a closed enumeration).
    public static var allCases: [Self] { knownValues }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        self.init(uncheckedRawValue: raw)
        if !isKnown { UnknownDomainValues.note(type: String(describing: Self.self), value: raw) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Unknown domain values met while decoding events, kept until a consumer takes them to log each once.
public enum UnknownDomainValues {
    private static let state = Mutex<(seen: Set<String>, fresh: [String])>(([], []))

    /// Records `value` of `type`; only its first sighting is handed out by `takeNew()`.
    /// The value is kept for the log only when it looks like a code (letters, digits, `_`, `-`, at most
    /// 40): an outside system could put anything in the field, a phone number included.
    static func note(type: String, value: String) {
        let looksLikeCode = value.count <= 40 && value.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
        let key = looksLikeCode ? "\(type)=\(value)" : "\(type)=(not a code, \(value.count) characters)"
        state.withLock { state in
            guard state.seen.count < 1_000, state.seen.insert(key).inserted else { return }
            state.fresh.append(key)
        }
    }

    /// The values first seen since the last call, as `Type=value`.
    public static func takeNew() -> [String] {
        state.withLock { state in
            defer { state.fresh = [] }
            return state.fresh
        }
    }
}
