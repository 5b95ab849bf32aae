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
                let before = counts, records = batch
                let (after, checked) = try await retry.run("record import batch") {
                    try await database.transaction { connection -> (RecordImportView.Counts, [RowIssue]) in
                        var counts = before, problems: [RowIssue] = []
                        for (line, record) in records {
                            problems += RecordChecks.problems(record).map { RowIssue(line: line, field: $0.field, message: $0.message) }
                        }
                        let incoming = records.map { RecordScreening.Incoming(record: $0.record, source: "file:\(job)") }
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
                let found = problems + checked
                try await retry.run("record import progress") { try await jobs.progress(job, after, problems: found) }
            }
            try await retry.run("record import end") { try await jobs.finish(job, failure: nil) }
        } catch let error as ImportError {
            try? await retry.run("record import end") { try await jobs.finish(job, failure: error.message) }
        } catch let error as TabularFileError {
            try? await retry.run("record import end") { try await jobs.finish(job, failure: "文件无法读取：\(error.message)") }
        } catch {
            try? await jobs.finish(job, failure: "导入中断，请重新上传（重复导入不会产生重复数据）")
        }
        try? FileManager.default.removeItem(at: file)  // the file holds ID numbers: never kept
    }

    struct ImportError: Error {
        var message: String
    }
}
