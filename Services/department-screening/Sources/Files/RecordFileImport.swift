import Foundation
import LifelineEventBus
import LifelineEvents
import LifelineFiles
import LifelinePersistence
import Logging

/// Imports a monthly file of department records: streamed row by row (CSV in UTF-8 or GB18030, or
/// XLSX), screened in transactions of `batchSize` rows exactly as a pushed record is, with progress
/// after each batch. A bad row is reported with its line while the rest goes in; the same file twice
/// raises nothing new (each record is stored once per department and record id).
///
/// The file is read by one task while up to `workers` batches are checked and screened at once, each in
/// its own transaction, so that Swift's share (reading, checks, events) and PostgreSQL's overlap on
/// the machine's cores. The batches take their households' locks in file order (`LockTurns`); a
/// household still locked by another transaction (an earlier batch not yet committed, a pushed
/// record) is not waited for: its records move to the front of the next batch, and a last batch after
/// the file's end waits for what is still busy. So a household's records are screened in file order
/// across batches too, except after a batch failed after taking its locks and is tried again
/// (docs/department-screening.md).
struct RecordFileImport: Sendable {
    let database: Database
    let screening: RecordScreening
    let jobs: RecordImportJobs
    var batchSize = 500
    var workers = 2

    /// `onlyDepartment`: a clerk's upload may carry only that department's records (others are row problems).
    func run(job: String, file: URL, onlyDepartment: String? = nil) async {
        // Every write waits out a database outage or a passing conflict (a deadlock with a consumer
        // screening the same household): the import ends late, not failed.
        let retry = DatabaseRetry(logger: screening.logger)
        do {
            let source = try TabularFile.open(file)
            let format = source.encodingName
            try await retry.run("record import start") { try await jobs.started(job, format: format) }
            guard let header = try source.next() else { throw ImportError(message: "文件为空") }
            let columns: RecordColumnMap
            switch RecordColumnMap.make(header: header.cells) {
            case .success(let map): columns = map
            case .failure(let missing): throw ImportError(message: "缺少列：" + missing.columns.joined(separator: "、"))
            }
            try await screenBatches(of: source, columns: columns, job: job, onlyDepartment: onlyDepartment, retry: retry)
            try await retry.run("record import end") { try await jobs.finish(job, failure: nil) }
        } catch let error as ImportError {
            try? await retry.run("record import end") { try await jobs.finish(job, failure: error.message) }
        } catch let error as TabularFileError {
            try? await retry.run("record import end") { try await jobs.finish(job, failure: "文件无法读取：\(error.message)") }
        } catch {
            // The kind of failure and its SQLSTATE only: never the rows' values.
            screening.logger.error("record import failed", metadata: [
                "job": "\(job)", "error.type": "\(type(of: error))", "error.sqlstate": "\(DatabaseFailure.sqlState(of: error) ?? "-")",
            ])
            try? await jobs.finish(job, failure: "导入中断，请重新上传（重复导入不会产生重复数据）")
        }
        try? FileManager.default.removeItem(at: file)  // the file holds ID numbers: never kept
    }

    /// Reads the rows into batches and screens up to `workers` batches at once; the job's counts and
    /// problems are written as each batch commits.
    private func screenBatches(
        of source: any TabularRowSource, columns: RecordColumnMap, job: String, onlyDepartment: String?, retry: DatabaseRetry
    ) async throws {
        let screener = BatchScreener(
            database: database, screening: screening, source: "file:\(job)", onlyDepartment: onlyDepartment, retry: retry, turns: LockTurns())
        var counts = RecordImportView.Counts()
        try await withThrowingTaskGroup(of: BatchScreener.Result.self) { group in
            var inFlight = 0
            func take(_ result: BatchScreener.Result) async throws {
                inFlight -= 1
                counts.add(result.counts)
                let total = counts
                try await retry.run("record import progress") { try await jobs.progress(job, total, problems: result.problems) }
            }
            var batch: [TabularRow] = []
            batch.reserveCapacity(batchSize)
            var turn = 0
            func start() async throws {
                let rows = batch, ownTurn = turn
                batch.removeAll(keepingCapacity: true)
                turn += 1
                group.addTask { try await screener.screen(rows, columns: columns, turn: ownTurn) }
                inFlight += 1
                if inFlight >= max(1, workers), let result = try await group.next() { try await take(result) }
            }
            var readError: (any Error)?
            do {
                while let row = try source.next() {
                    if row.isBlank { continue }
                    batch.append(row)
                    if batch.count == batchSize { try await start() }
                }
            } catch {
                // A file that cannot be read further: the batches before the bad spot still count.
                readError = error
            }
            if readError == nil, !batch.isEmpty { try await start() }
            // The last turn screens the records still deferred, waiting for their households.
            batch.removeAll()
            try await start()
            while let result = try await group.next() { try await take(result) }
            if let readError { throw readError }
        }
    }

    struct ImportError: Error {
        var message: String
    }
}

/// Checks and screens one batch of a file's rows in one transaction (retried through outages).
private struct BatchScreener: Sendable {
    let database: Database
    let screening: RecordScreening
    let source: String
    let onlyDepartment: String?
    let retry: DatabaseRetry
    let turns: LockTurns

    struct Result: Sendable {
        var counts = RecordImportView.Counts()
        var problems: [RowIssue] = []
    }

    /// Screens the batch whose place in the file is `turn` (0 for the first); an empty batch is the
    /// last turn, after the file's end.
    func screen(_ rows: [TabularRow], columns: RecordColumnMap, turn: Int) async throws -> Result {
        do {
            let result = try await checkAndScreen(rows, columns: columns, turn: turn)
            await turns.pass(turn)  // a batch with nothing to screen, too
            return result
        } catch {
            await turns.pass(turn)  // the batches after it must not wait for ever
            throw error
        }
    }

    private func checkAndScreen(_ rows: [TabularRow], columns: RecordColumnMap, turn: Int) async throws -> Result {
        var result = Result()
        var incoming: [RecordScreening.Incoming] = []
        incoming.reserveCapacity(rows.count)
        for row in rows {
            result.counts.rowsRead += 1
            switch columns.record(row) {
            case .success(let record) where onlyDepartment != nil && record.department != onlyDepartment:
                result.problems.append(RowIssue(line: row.line, field: "department", message: "只能报送本部门（\(onlyDepartment!)）的记录"))
                result.counts.rejected += 1
            case .success(let record):
                // Checked once, here: the problems are the row's (with its line) and the record's status.
                let problems = RecordChecks.problems(record)
                result.problems += problems.map { RowIssue(line: row.line, field: $0.field, message: $0.message) }
                incoming.append(RecordScreening.Incoming(record: record, source: source, problems: problems))
            case .failure(let rejected):
                result.problems += rejected.issues
                result.counts.rejected += 1
            }
        }
        let isLast = rows.isEmpty
        guard !incoming.isEmpty || isLast else { return result }
        // Outside any transaction and attempt deadline: nothing is held while the earlier batches go
        // first. The records an earlier batch deferred come first.
        let screened = await turns.wait(turn) + incoming
        guard !screened.isEmpty else { return result }
        let outcomes = try await retry.run("record import batch") {
            try await database.transaction { connection in
                // Tried again after its turn has passed (with the records it deferred then): it waits for
                // its households and screens the rest.
                if let handedOn = await turns.deferredBy(turn) {
                    return try await screening.screenAll(screened.indices.filter { !handedOn.contains($0) }.map { screened[$0] }, on: connection)
                }
                return try await screening.screenAll(screened, on: connection, deferringBusyHouseholds: !isLast, afterLocking: { deferred in
                    // An attempt abandoned as hung may still be running: only the first to get here
                    // passes the turn; the other must not commit without the records it deferred.
                    guard await turns.pass(turn, deferring: deferred.map { screened[$0] }, at: deferred) else {
                        throw PassingConflict(reason: "another attempt of the batch passed its turn")
                    }
                })
            }
        }
        for outcome in outcomes {
            switch outcome {
            case .deferred: break  // counted by the batch that screens it
            case .duplicate: result.counts.alreadyReceived += 1
            case .rejected: result.counts.rejected += 1
            case .unmatched: result.counts.unmatched += 1
            case .matchedWithoutWarning: result.counts.matchedWithoutWarning += 1
            case .warningRaised(let isNew):
                result.counts.warned += 1
                if isNew { result.counts.warningsRaised += 1 }
            }
        }
        return result
    }
}

/// The order in which a file's concurrent batches lock their households: the file's. A batch waits for
/// its turn before screening and passes it on once its households are locked (or it ends), with the
/// records it deferred (their households busy elsewhere), which the next batch to take a turn screens
/// first. A batch that ends before its turn (nothing to screen, or failed) passes it early and the
/// turn skips it when it comes. A batch tried again after a failure has had its turn and does not
/// wait: it may then go after later batches (docs/department-screening.md).
actor LockTurns {
    private var next = 0
    private var passedEarly = Set<Int>()
    private var waiting: [Int: CheckedContinuation<Void, Never>] = [:]
    private var deferred: [RecordScreening.Incoming] = []
    private var deferredAt: [Int: Set<Int>] = [:]

    /// Waits for `turn`; returns the records deferred to it, in file order.
    @discardableResult
    func wait(_ turn: Int) async -> [RecordScreening.Incoming] {
        if turn > next { await withCheckedContinuation { waiting[turn] = $0 } }
        defer { deferred = [] }
        return deferred
    }

    /// Passes `turn` on, with the records it deferred (`indices` in its batch) to the next batch that
    /// takes its turn; `false` if the turn had been passed already (nothing is handed on then).
    @discardableResult
    func pass(_ turn: Int, deferring records: [RecordScreening.Incoming] = [], at indices: [Int] = []) -> Bool {
        guard turn >= next, !passedEarly.contains(turn) else { return false }
        deferred += records
        deferredAt[turn] = Set(indices)
        passedEarly.insert(turn)
        while passedEarly.remove(next) != nil {
            next += 1
            waiting.removeValue(forKey: next)?.resume()
        }
        return true
    }

    func isPassed(_ turn: Int) -> Bool {
        turn < next || passedEarly.contains(turn)
    }

    /// For a turn passed, the indices of the records its batch handed on (empty if none); `nil` before.
    func deferredBy(_ turn: Int) -> Set<Int>? {
        isPassed(turn) ? deferredAt[turn] ?? [] : nil
    }
}

extension RecordImportView.Counts {
    mutating func add(_ other: Self) {
        rowsRead += other.rowsRead
        rejected += other.rejected
        unmatched += other.unmatched
        matchedWithoutWarning += other.matchedWithoutWarning
        warned += other.warned
        warningsRaised += other.warningsRaised
        alreadyReceived += other.alreadyReceived
    }
}
