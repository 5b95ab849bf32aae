import Foundation

/// A `.rels` part: relationship id → type and target.
final class XLSXRelationshipsParser: XLSXPartParser {
    struct Relationship {
        var type: String
        var target: String
    }

    private(set) var relationships: [String: Relationship] = [:]

    override func didStart(_ name: String, attributes: [String: String]) throws {
        guard name == "Relationship", attributes["TargetMode"] != "External",
            let id = attributes["Id"], let type = attributes["Type"], let target = attributes["Target"]
        else { return }
        relationships[id] = Relationship(type: type, target: target)
    }
}
