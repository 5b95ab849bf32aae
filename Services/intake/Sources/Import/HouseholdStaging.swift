import Foundation
import LifelineEvents
import NIOCore

/// The three unlogged tables one household import works in: the file's checked rows, sent by `COPY`
/// while the file is still being read; the households they form, with the chunk each is written in;
/// and the accepted rows with their chunk, in chunk order (so that a chunk's rows are read together).
///
/// The names carry the creation time (`import_rows_<epoch>_<random>`), so that the tables of an import
/// whose instance vanished are dropped (`sweepSQL`, by the job keeper and by each import) once they are
/// six hours old: they hold names, ID numbers and phones.
/// Unlogged: nothing in them needs to survive a crash of PostgreSQL (an import whose rows were lost is
/// read again from its file), and they cost no WAL.
struct HouseholdStaging: Sendable {
    let rows: String
    let households: String
    let accepted: String

    init(now: Date = Date()) {
        let suffix = "\(Int(now.timeIntervalSince1970))_\(UInt64.random(in: 0...UInt64.max))"
        rows = "import_rows_" + suffix
        households = "import_households_" + suffix
        accepted = "import_accepted_" + suffix
    }

    /// The columns `COPY` fills, in the order `append(_:to:)` writes them.
    static let copiedColumns = [
        "line", "household", "village", "grp", "poor", "category", "id_number", "is_head", "name", "relation", "birth", "sex", "phone",
        "labour", "health", "allowance", "extreme", "member_json", "canon",
    ]

    /// Creates the rows table (emptied by `truncateRowsSQL` when a try is repeated). `field` and `reason` name a row's
    /// problem once a check refused it; `moving` marks a person registered in another household who
    /// moves to this one, and `merge_from` that household when it came from a self-application (it is
    /// merged into the imported household).
    var createRowsSQL: String {
        """
        CREATE UNLOGGED TABLE IF NOT EXISTS \(rows) (
            line integer NOT NULL, household text NOT NULL, village text NOT NULL, grp text NOT NULL, poor boolean NOT NULL,
            category text, id_number text NOT NULL, is_head boolean NOT NULL, name text NOT NULL, relation text NOT NULL,
            birth text NOT NULL, sex text NOT NULL, phone text, labour text, health text, allowance boolean, extreme boolean,
            member_json text NOT NULL, canon text NOT NULL, field text, reason text, merge_from text, moving boolean NOT NULL DEFAULT false
        ) WITH (autovacuum_enabled = false)
        """
    }

    var truncateRowsSQL: String { "TRUNCATE \(rows)" }

    /// Drops the tables.
    var dropSQL: String { "DROP TABLE IF EXISTS \(rows), \(households), \(accepted)" }

    /// How old a staging table must be to be taken for one whose instance vanished: far longer than
    /// any import takes (a five-times district file takes minutes), short enough that the personal data
    /// in it does not linger.
    static let abandonedAfter: TimeInterval = 6 * 3600

    /// Drops the staging tables of imports started more than `abandonedAfter` ago (their instance vanished).
    static func sweepSQL(now: Date = Date()) -> String {
        let cutoff = Int(now.timeIntervalSince1970 - abandonedAfter)
        return """
            DO $$ DECLARE t text; BEGIN
              -- A table still in use (its lock not free within a second) is left for the next sweep.
              PERFORM set_config('lock_timeout', '1s', true);
              FOR t IN SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = current_schema() AND c.relkind = 'r' AND relname ~ '^import_(rows|households|accepted)_[0-9]+_[0-9]+$'
                  AND split_part(substr(relname, strpos(relname, '_') + 1), '_', 2)::bigint < \(cutoff)
              LOOP
                BEGIN
                  EXECUTE format('DROP TABLE IF EXISTS %I', t);
                EXCEPTION WHEN lock_not_available THEN NULL;
                END;
              END LOOP;
            END $$
            """
    }

    /// Appends one member as a line of `COPY … FROM STDIN` text. Written byte by byte, without
    /// intermediate strings: it runs for every row of a file.
    static func append(_ member: ImportedMember, to buffer: inout ByteBuffer, scratch: inout [UInt8]) {
        func field(_ text: String?) {
            if let text { CopyText.append(text, to: &buffer) } else { buffer.writeStaticString("\\N") }
            buffer.writeInteger(UInt8(0x09))
        }
        func flag(_ value: Bool?) -> String? { value.map { $0 ? "t" : "f" } }
        field(String(member.line))
        field(member.householdNumber)
        field(member.villageCode)
        field(member.householdGroupCode)
        field(flag(member.formerlyPoor))
        field(member.monitoringCategory?.rawValue)
        field(member.idNumber)
        field(flag(member.isHead))
        field(member.name)
        field(member.relation)
        field(member.birthDate)
        field(member.sex)
        field(member.phone)
        field(member.labourAbility?.rawValue)
        field(member.healthStatus?.rawValue)
        field(flag(member.minimumLivingAllowance))
        field(flag(member.extremePovertySupport))
        scratch.removeAll(keepingCapacity: true)
        writeMemberJSON(member, to: &scratch)
        CopyText.append(scratch, to: &buffer)
        buffer.writeInteger(UInt8(0x09))
        writeCanonicalMember(member, to: &buffer)
        buffer.writeInteger(UInt8(0x0A))
    }

    /// Appends one member as a line of `COPY` text (a scratch buffer of its own).
    static func append(_ member: ImportedMember, to buffer: inout ByteBuffer) {
        var scratch: [UInt8] = []
        append(member, to: &buffer, scratch: &scratch)
    }

    /// The member as `HouseholdRegistered` publishes it: the JSON `EventJSON.encoder` writes for
    /// `HouseholdRegistered.Member` (sorted keys, absent values left out), built without a coder
    /// because it is made for every row of a file.
    static func memberJSON(_ member: ImportedMember) -> String {
        var bytes: [UInt8] = []
        writeMemberJSON(member, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func writeMemberJSON(_ member: ImportedMember, to json: inout [UInt8]) {
        json.append(0x7B)  // {
        var first = true
        func key(_ name: StaticString) {
            if !first { json.append(0x2C) }  // ,
            first = false
            json.append(0x22)
            name.withUTF8Buffer { json.append(contentsOf: $0) }
            json.append(0x22)
            json.append(0x3A)  // :
        }
        func text(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            key(name)
            JSONText.appendString(value, to: &json)
        }
        func flag(_ name: StaticString, _ value: Bool?) {
            guard let value else { return }
            key(name)
            (value ? "true" as StaticString : "false").withUTF8Buffer { json.append(contentsOf: $0) }
        }
        text("birthDate", member.birthDate)
        flag("extremePovertySupport", member.extremePovertySupport)
        text("healthStatus", member.healthStatus?.rawValue)
        text("idNumber", member.idNumber)
        text("labourAbility", member.labourAbility?.rawValue)
        flag("minimumLivingAllowance", member.minimumLivingAllowance)
        text("name", member.name)
        text("phone", member.phone)
        text("relation", member.relation)
        text("sex", member.sex)
        json.append(0x7D)  // }
    }

    /// Writes, as `COPY` text, the member's part of the household's stored content hash. The hash is
    /// the `md5` of the household's village, group and status and its members' parts, head first then
    /// file order, joined by U+001E; the registry columns added later are appended only when present, so
    /// a household read from a file without them keeps the hash it had before they existed.
    static func writeCanonicalMember(_ member: ImportedMember, to buffer: inout ByteBuffer) {
        let registry = [
            member.labourAbility?.rawValue ?? "", member.healthStatus?.rawValue ?? "",
            member.minimumLivingAllowance.map { $0 ? "1" : "0" } ?? "", member.extremePovertySupport.map { $0 ? "1" : "0" } ?? "",
        ]
        var fields = [member.idNumber, member.name, member.relation, member.birthDate, member.sex, member.phone ?? ""]
        if registry.contains(where: { !$0.isEmpty }) { fields += registry }
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(0x1F)) }
            CopyText.append(field, to: &buffer)
        }
    }
}

/// Text format of `COPY … FROM STDIN`: a backslash, tab, newline or carriage return in a value is escaped.
enum CopyText {
    static func append(_ text: String, to buffer: inout ByteBuffer) {
        var text = text
        text.withUTF8 { append($0, to: &buffer) }
    }

    static func append<Bytes: Collection>(_ bytes: Bytes, to buffer: inout ByteBuffer) where Bytes.Element == UInt8 {
        guard bytes.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else {
            buffer.writeBytes(bytes)
            return
        }
        for byte in bytes {
            switch byte {
            case 0x5C: buffer.writeStaticString("\\\\")
            case 0x09: buffer.writeStaticString("\\t")
            case 0x0A: buffer.writeStaticString("\\n")
            case 0x0D: buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }
}
