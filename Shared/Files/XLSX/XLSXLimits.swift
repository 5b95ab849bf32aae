import Foundation
import ZIPFoundation

/// What a workbook may cost to read, so that a small upload cannot exhaust memory (a "bomb"): a cell
/// at column XFD, millions of empty rows, or a part that unpacks a thousandfold. Every limit is named
/// in the error that refuses it.
public enum XLSXLimits {
    /// The largest uncompressed part (sheet, shared strings, styles).
    public static let maximumPartBytes = 256 << 20
    /// The highest compression ratio of a part larger than `ratioCheckedFrom` (sheet XML of real data
    /// compresses about 5–20 to 1; a bomb about 1,000 to 1).
    public static let maximumCompressionRatio = 100
    /// Parts smaller than this are not checked for their ratio (small files compress unpredictably).
    public static let ratioCheckedFrom = 1 << 20
    /// The largest sheet area, rows × columns up to the widest row (the household file of a district:
    /// about 550,000 × 20 = 11 million).
    public static let maximumCells = 60_000_000
    /// The largest number of shared strings.
    public static let maximumSharedStrings = 5_000_000

    /// One of the limits, as a refusal names it.
    public enum Limit: Sendable, Hashable {
        /// `maximumPartBytes`.
        case partBytes
        /// `maximumCompressionRatio`.
        case compressionRatio
        /// `maximumCells`.
        case cells
        /// `maximumSharedStrings`.
        case sharedStrings

        var message: String {
            switch self {
            case .partBytes: "A part of the workbook unpacks to more than \(maximumPartBytes >> 20) MB (the limit per part)."
            case .compressionRatio: "A part of the workbook is compressed more than \(maximumCompressionRatio) to 1 (the limit), as in a ZIP bomb."
            case .cells: "The worksheet has more than \(maximumCells) cells counted as rows × columns (the limit)."
            case .sharedStrings: "The workbook has more than \(maximumSharedStrings) shared strings (the limit)."
            }
        }
    }

    /// The refusal for `limit`, with `detail` (English, no file content) after its message.
    static func exceeded(_ limit: Limit, detail: String = "") -> TabularFileError {
        TabularFileError(code: .limitExceeded, message: limit.message + detail, limit: limit)
    }

    /// Checks what the archive's directory claims, before any part is unpacked (the upload answers 413
    /// at once); `XLSXPackage.part` checks the actual bytes again while unpacking, since claims can lie.
    public static func checkDirectory(of archive: Archive) throws {
        for entry in archive where entry.type == .file {
            guard entry.uncompressedSize <= UInt64(maximumPartBytes) else {
                throw exceeded(.partBytes)
            }
            try checkRatio(uncompressed: entry.uncompressedSize, compressed: entry.compressedSize)
        }
    }

    /// Throws `compressionRatio` when a part of at least `ratioCheckedFrom` bytes unpacks to more than
    /// `maximumCompressionRatio` times its compressed size.
    public static func checkRatio(uncompressed: UInt64, compressed: UInt64) throws {
        guard uncompressed >= UInt64(ratioCheckedFrom) else { return }
        guard uncompressed <= max(compressed, 1) * UInt64(maximumCompressionRatio) else {
            throw exceeded(.compressionRatio)
        }
    }

    /// Checks an uploaded file before it is queued: for a ZIP (XLSX) its directory, otherwise nothing.
    public static func checkUpload(_ url: URL) throws {
        let head = (try? FileHandle(forReadingFrom: url)).flatMap { handle in
            defer { try? handle.close() }
            return try? handle.read(upToCount: 4)
        }
        guard let head, head.elementsEqual([0x50, 0x4B, 0x03, 0x04]) else { return }
        guard let archive = try? Archive(url: url, accessMode: .read, pathEncoding: nil) else { return }  // the reader explains it
        try checkDirectory(of: archive)
    }
}
