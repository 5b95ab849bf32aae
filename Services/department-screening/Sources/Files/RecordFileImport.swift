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
struct RecordFileImport: Sendable {
    let database: Database
    let screening: RecordScreening
    let jobs: RecordImportJobs
    var batchSize = 500

    /// `onlyDepartment`: a clerk's upload may carry only that department's records (others are row problems).
    func run(job: String, file: URL, onlyDepartment: String? = nil) async {
        do {
            let source = try TabularFile.open(file)
            try await jobs.started(job, format: source.encodingName)
            guard let header = try source.next() else { throw ImportError(message: "文件为空") }
            let columns: RecordColumnMap
            switch RecordColumnMap.make(header: header.cells) {
            case .success(let map): columns = map
            case .failure(let missing): throw ImportError(message: "缺少列：" + missing.columns.joined(separator: "、"))
            }
            var counts = RecordImportView.Counts()
            while true {
                var batch: [(line: Int, record: DepartmentRecordPushed)] = []
                var problems: [RowIssue] = []
                while batch.count < batchSize, let row = try source.next() {
                    if row.isBlank { continue }
                    counts.rowsRead += 1
                    switch columns.record(row) {
                    case .success(let record) where onlyDepartment != nil && record.department != onlyDepartment:
                        problems.append(RowIssue(line: row.line, field: "department", message: "只能报送本部门（\(onlyDepartment!)）的记录"))
                        counts.rejected += 1
                    case .success(let record): batch.append((row.line, record))
                    case .failure(let rejected):
                        problems += rejected.issues
                        counts.rejected += 1
                    }
                }
                if batch.isEmpty && problems.isEmpty { break }
                let before = counts
                let (after, checked) = try await Self.retryingPassingFailures {
                    try await database.transaction { connection -> (RecordImportView.Counts, [RowIssue]) in
                        var counts = before, problems: [RowIssue] = []
                        for (line, record) in batch {
                            problems += RecordChecks.problems(record).map { RowIssue(line: line, field: $0.field, message: $0.message) }
                        }
                        let incoming = batch.map { RecordScreening.Incoming(record: $0.record, source: "file:\(job)") }
                        for outcome in try await screening.screenAll(incoming, on: connection) {
                            switch outcome {
                            case .duplicate: counts.alreadyReceived += 1
                            case .rejected: counts.rejected += 1
                            case .unmatched: counts.unmatched += 1
                            case .matchedWithoutWarning: counts.matchedWithoutWarning += 1
                            case .warningRaised(let isNew):
                                counts.warned += 1
                                if isNew { counts.warningsRaised += 1 }
                            }
                        }
                        return (counts, problems)
                    }
                }
                counts = after
                try await jobs.progress(job, counts, problems: problems + checked)
            }
            try await jobs.finish(job, failure: nil)
        } catch let error as ImportError {
            try? await jobs.finish(job, failure: error.message)
        } catch let error as TabularFileError {
            try? await jobs.finish(job, failure: "文件无法读取：\(error.message)")
        } catch {
            try? await jobs.finish(job, failure: "导入中断，请重新上传（重复导入不会产生重复数据）")
        }
        try? FileManager.default.removeItem(at: file)  // the file holds ID numbers: never kept
    }

    /// Runs a batch's transaction again after a passing failure (a deadlock with a consumer screening
    /// the same household, a serialization failure) or while the database is unreachable, backing
    /// off up to 5 s between tries, for at most `patience`; then the import fails and may be sent again.
    static func retryingPassingFailures<T>(patience: Duration = .seconds(600), _ work: () async throws -> T) async throws -> T {
        let clock = ContinuousClock()
        let deadline = clock.now + patience
        var pause = Duration.milliseconds(100)
        while true {
            do {
                return try await work()
            } catch where DatabaseFailure.isRetriable(error) && clock.now + pause < deadline {
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(5))
            }
        }
    }

    struct ImportError: Error {
        var message: String
    }
}
