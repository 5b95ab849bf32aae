import Foundation
import LifelineFiles
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging
import NIOCore

/// The running totals of an import.
struct ImportCounts: Sendable, Hashable, Codable {
    var rowsRead = 0
    var rowsAccepted = 0
    var rowsRejected = 0
    var householdsCreated = 0
    var householdsUpdated = 0
    var householdsUnchanged = 0
}

/// Where an import reports problems and progress as it goes (the import job, or a command line).
struct ImportReporter: Sendable {
    var problems: @Sendable ([RowProblem]) async throws -> Void
    var progress: @Sendable (ImportCounts) async throws -> Void
    var started: @Sendable (_ format: String, _ estimatedRows: Int?) async throws -> Void = { _, _ in }
}

/// Imports a household-member file into the registry.
///
/// Three phases, so that Swift and PostgreSQL work at the same time and memory stays flat whatever the
/// file's size:
/// 1. **Stage**: rows are read and checked one by one as the file streams (ID check digit, dates,
///    codes, references to the grid and the caller's jurisdiction) and the good ones go to an unlogged
///    staging table by `COPY` while the rest of the file is still being read. Each bad row is reported
///    with its line and reason and the rest goes in.
/// 2. **Check**: the rules that need more than one row (duplicate ID numbers, households whose rows
///    disagree or lack a head, take-overs and moves between households) run as set-based SQL over
///    the staged rows (`HouseholdImportChecks`); a household's rows need not be adjacent.
/// 3. **Write**: the households go into the registry in chunks of `chunkSize`, each chunk one
///    transaction with its registry events built in SQL (`HouseholdChunkWriter`). A household whose
///    content is unchanged is not written and publishes nothing, so importing the same file again
///    changes nothing.
///
/// The import waits out a database outage: each phase, and each chunk, is tried again until PostgreSQL
/// answers (reading the file again when the staging was cut off), so it ends late, not failed. A chunk
/// whose commit was lost with the connection is found unchanged when tried again, so its households
/// count as unchanged rather than created. If PostgreSQL crashed (its unlogged staging tables emptied)
/// the import fails as interrupted and is uploaded again.
struct HouseholdImporter: Sendable {
    let database: Database
    let publisher: EventPublisher
    let grid: GridStore
    let logger: Logger
    /// Households written per transaction (each takes one advisory lock per household for its events).
    var chunkSize = 1000
    /// Chunks written at the same time, each on its own connection. Chunks hold different households;
    /// a person moving between two chunks' households can make them wait for each other (or, rarely,
    /// deadlock: PostgreSQL cancels one, which is tried again).
    var writers = 2
    /// Tasks checking rows while the file is read (the reading task is one more).
    var parsers = 2

    private var retry: DatabaseRetry { DatabaseRetry(logger: logger) }
    /// Staging a file and checking it are single long statements: a try is abandoned as hung only
    /// after much longer than a chunk's.
    private var longRetry: DatabaseRetry { DatabaseRetry(logger: logger, attemptLimit: .seconds(1800)) }

    func run(file: URL, region: String, reporter: ImportReporter) async throws -> ImportCounts {
        try await run(file: file, region: region, reporter: reporter, staging: HouseholdStaging())
    }

    /// Runs the import in the staging tables `staging` names (tests name them to reach them).
    func run(file: URL, region: String, reporter: ImportReporter, staging: HouseholdStaging) async throws -> ImportCounts {
        try await retry.run("household import staging sweep") { try await database.query(PostgresQuery(unsafeSQL: HouseholdStaging.sweepSQL())) }
        do {
            let counts = try await run(file: file, region: region, staging: staging, reporter: reporter)
            try await retry.run("household import staging drop") { try await database.query(PostgresQuery(unsafeSQL: staging.dropSQL)) }
            return counts
        } catch {
            _ = try? await database.query(PostgresQuery(unsafeSQL: staging.dropSQL))
            // Staging tables gone under the import (swept after an outage of hours): say so plainly.
            if DatabaseFailure.sqlState(of: error) == "42P01" { throw Self.stagingLost }
            throw error
        }
    }

    private func run(file: URL, region: String, staging: HouseholdStaging, reporter: ImportReporter) async throws -> ImportCounts {
        let index = try await retry.run("grid references") { try await grid.referenceIndex() }
        let clock = ContinuousClock()
        var phaseStarted = clock.now
        func phaseDone(_ phase: String) {
            logger.info("household import phase done", metadata: ["phase": "\(phase)", "seconds": "\((clock.now - phaseStarted).formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 2))))"])
            phaseStarted = clock.now
        }
        var counts = try await longRetry.run("household import staging") {
            try await stage(file: file, into: staging, index: index, region: region, reporter: reporter)
        }
        try await reporter.progress(counts)
        phaseDone("stage")
        let staged = counts.rowsRead - counts.rowsRejected
        let (chunks, refused) = try await longRetry.run("household import checks") {
            try await database.transaction { connection in
                // A crash of PostgreSQL empties unlogged tables: the rows must all be there.
                var present = 0
                for try await count in try await connection.query(
                    PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(staging.rows)"), logger: logger
                ).decode(Int.self) { present = count }
                guard present == staged else { throw Self.stagingLost }
                try await connection.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(staging.households), \(staging.accepted)"), logger: logger)
                try await HouseholdImportChecks(staging: staging, logger: logger).run(region: region, chunkSize: chunkSize, on: connection)
                return (try await Self.householdsPerChunk(staging, on: connection, logger: logger), try await Self.refusedRows(staging, on: connection, logger: logger))
            }
        }
        phaseDone("check")
        counts.rowsRejected += refused.count
        var start = 0
        while start < refused.count {
            try await reporter.problems(Array(refused[start..<min(start + 1000, refused.count)]))
            start += 1000
        }
        let writer = HouseholdChunkWriter(staging: staging, region: region, publisher: publisher, logger: logger)
        let retry = retry
        let registry = database
        var pending = chunks.enumerated().filter { $0.element > 0 }.makeIterator()
        try await withThrowingTaskGroup(of: HouseholdChunkWriter.Written.self) { group in
            // Up to `writers` chunks at once: each is one connection's work, mostly PostgreSQL's.
            func startNext() -> Bool {
                guard let (chunk, households) = pending.next() else { return false }
                group.addTask {
                    var tries = 0
                    while true {
                        do {
                            return try await retry.run("household import chunk") {
                                try await registry.transaction { connection in try await writer.write(chunk: chunk, households: households, on: connection) }
                            }
                        } catch where tries < 3 && Self.isRegisteredDuringTheChunk(error) {
                            // A self-application registered one of the chunk's people between its look-up and
                            // its insert: written again, the look-up finds and merges them.
                            tries += 1
                        }
                    }
                }
                return true
            }
            for _ in 0..<max(1, writers) where !startNext() { break }
            while let written = try await group.next() {
                counts.rowsAccepted += written.accepted
                counts.householdsCreated += written.created
                counts.householdsUpdated += written.updated
                counts.householdsUnchanged += written.unchanged
                try await reporter.progress(counts)
                _ = startNext()
            }
        }
        try await reporter.progress(counts)
        phaseDone("write")
        return counts
    }

    /// Phase 1: reads the file and sends its good rows to the staging table (emptied first, so a try
    /// repeated after an outage starts over); returns the rows read and refused.
    private func stage(
        file: URL, into staging: HouseholdStaging, index: GridReferenceIndex, region: String, reporter: ImportReporter
    ) async throws -> ImportCounts {
        // Opening an XLSX parses the whole sheet and counting a CSV's lines reads the whole file: both
        // run on a dispatch thread, not on the server's cooperative threads.
        let opened: Opened
        do {
            opened = try await BlockingWork.run { Opened(source: try TabularFile.open(file), estimatedRows: Self.estimateRows(file)) }
        } catch let error as TabularFileError {
            throw ImportFailure(error)
        }
        let source = opened.source
        try await reporter.started(source.encodingName, opened.estimatedRows)
        guard let headerRow = try Self.nextRow(source) else {
            throw ImportFailure(code: .empty, message: "文件为空")
        }
        let columns: HouseholdColumnMap
        switch HouseholdColumnMap.make(header: headerRow.cells) {
        case .success(let map): columns = map
        case .failure(let failure): throw failure
        }
        return try await database.client.withConnection { connection in
            try await connection.query(PostgresQuery(unsafeSQL: staging.createRowsSQL), logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: staging.truncateRowsSQL), logger: logger)
            var counts = ImportCounts()
            var pending: [RowProblem] = []
            try await connection.copyFrom(table: staging.rows, columns: HouseholdStaging.copiedColumns, logger: logger) { writer in
                // This task reads the file; `parsers` tasks check batches of its rows and turn them into
                // COPY text, which goes to PostgreSQL as each batch is done (rows carry their line, so
                // their order in the table does not matter). At most `parsers + 1` batches are in flight.
                try await withThrowingTaskGroup(of: ParsedRows.self) { group in
                    var inFlight = 0
                    func take(_ parsed: ParsedRows) async throws {
                        inFlight -= 1
                        counts.rowsRejected += parsed.rejected
                        pending += parsed.problems
                        if parsed.copyText.readableBytes > 0 { try await writer.write(parsed.copyText) }
                        if pending.count >= 1000 {
                            try await reporter.problems(pending)
                            pending.removeAll(keepingCapacity: true)
                        }
                    }
                    func start(_ rows: [TabularRow]) async throws {
                        group.addTask { Self.parse(rows, columns: columns, index: index, region: region) }
                        inFlight += 1
                        if inFlight > parsers, let parsed = try await group.next() { try await take(parsed) }
                    }
                    var batch: [TabularRow] = []
                    batch.reserveCapacity(Self.parseBatch)
                    while let row = try Self.nextRow(source) {
                        if row.isBlank { continue }
                        counts.rowsRead += 1
                        batch.append(row)
                        guard batch.count == Self.parseBatch else { continue }
                        try await start(batch)
                        batch.removeAll(keepingCapacity: true)
                        if counts.rowsRead % (Self.parseBatch * 10) == 0 { try await reporter.progress(counts) }
                    }
                    if !batch.isEmpty { try await start(batch) }
                    while let parsed = try await group.next() { try await take(parsed) }
                }
            }
            if !pending.isEmpty { try await reporter.problems(pending) }
            return counts
        }
    }

    /// Rows handed to one parser task at a time.
    static let parseBatch = 2048

    /// One batch of rows checked: the accepted ones as COPY text, the problems of the others.
    private struct ParsedRows: Sendable {
        var copyText: ByteBuffer
        var problems: [RowProblem] = []
        var rejected = 0
    }

    /// Checks a batch of rows one by one (the row-level rules and the grid references).
    private static func parse(_ rows: [TabularRow], columns: HouseholdColumnMap, index: GridReferenceIndex, region: String) -> ParsedRows {
        var parsed = ParsedRows(copyText: ByteBufferAllocator().buffer(capacity: rows.count * 400))
        var scratch: [UInt8] = []
        scratch.reserveCapacity(1024)
        for row in rows {
            switch HouseholdRowParser.parse(row, columns: columns) {
            case .failure(let rejected):
                parsed.rejected += 1
                parsed.problems += rejected.problems
            case .success(let member):
                if let problem = referenceProblem(member, index: index, region: region) {
                    parsed.rejected += 1
                    parsed.problems.append(problem)
                } else {
                    HouseholdStaging.append(member, to: &parsed.copyText, scratch: &scratch)
                }
            }
        }
        return parsed
    }

    /// Households to write in each chunk, by chunk number.
    private static func householdsPerChunk(_ staging: HouseholdStaging, on connection: PostgresConnection, logger: Logger) async throws -> [Int] {
        var perChunk: [Int] = []
        for try await (chunk, households) in try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT chunk::int8, count(DISTINCT household)::int8 FROM \(staging.accepted) GROUP BY chunk ORDER BY chunk
            """), logger: logger).decode((Int, Int).self) {
            while perChunk.count < chunk { perChunk.append(0) }
            perChunk.append(households)
        }
        return perChunk
    }

    /// The rows the checks refused, in line order.
    private static func refusedRows(_ staging: HouseholdStaging, on connection: PostgresConnection, logger: Logger) async throws -> [RowProblem] {
        var problems: [RowProblem] = []
        for try await (line, field, reason) in try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT line, field, reason FROM \(staging.rows) WHERE reason IS NOT NULL ORDER BY line
            """), logger: logger).decode((Int, String, String).self) {
            problems.append(RowProblem(line: line, field: field, reason: reason))
        }
        return problems
    }

    /// The member insert of a chunk met a person registered since the chunk looked its people up.
    static func isRegisteredDuringTheChunk(_ error: any Error) -> Bool {
        DatabaseFailure.sqlState(of: error) == "23505" && DatabaseFailure.objectNames(of: error)?.contains("household_members_id_number_key") == true
    }

    /// The staging tables were emptied under the import (PostgreSQL crashed and recovered).
    static let stagingLost = ImportFailure(code: .interrupted, message: "数据库中断重启，导入的暂存数据已丢失，请重新上传文件")

    static func nextRow(_ source: any TabularRowSource) throws -> TabularRow? {
        do {
            return try source.next()
        } catch let error as TabularFileError {
            throw ImportFailure(error)
        }
    }

    /// A problem with the row's references to the grid: unknown village or group, outside the caller's region.
    private static func referenceProblem(_ member: ImportedMember, index: GridReferenceIndex, region: String) -> RowProblem? {
        func problem(_ column: HouseholdFileColumn, _ reason: String) -> RowProblem {
            RowProblem(line: member.line, field: column.rawValue, reason: reason)
        }
        guard index.villages[member.villageCode] != nil else { return problem(.villageCode, "网格中没有这个村") }
        guard DivisionCode.contains(region, member.villageCode) else { return problem(.villageCode, "该村不在本账号管辖范围内") }
        guard let groupVillage = index.groupVillage[member.householdGroupCode] else { return problem(.householdGroupCode, "网格中没有这个联户网格") }
        guard groupVillage == member.villageCode else { return problem(.householdGroupCode, "该联户网格不属于本行的村") }
        return nil
    }

    /// An opened file, handed from the dispatch thread that opened it to the import (used by one task).
    private struct Opened: @unchecked Sendable {
        var source: any TabularRowSource
        var estimatedRows: Int?
    }

    /// Lines in a CSV file (an upper bound on its rows), for progress; nil for XLSX.
    static func estimateRows(_ file: URL) -> Int? {
        guard let handle = try? FileHandle(forReadingFrom: file) else { return nil }
        defer { try? handle.close() }
        var lines = 0
        var first = true
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            if first, chunk.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return nil }
            first = false
            lines += chunk.withUnsafeBytes { bytes in bytes.reduce(into: 0) { count, byte in if byte == 0x0A { count += 1 } } }
        }
        return max(0, lines - 1)
    }
}
