import Foundation
import ZIPFoundation

/// ZIP archives of posters ("all villages of a town"), built in memory with ZIPFoundation.
///
/// ZIPFoundation 0.9.20 always stores entry names as UTF-8 and sets general-purpose bit 11 (the
/// "language encoding" flag), so Chinese names such as `垛石镇-张家村-370115101201.png` come out right in
/// unzip tools that honour the flag (7-Zip, Info-ZIP `unzip`, macOS Archive Utility, current Windows).
enum ZipBundle {
    /// A ZIP containing one deflated file per entry, in order. Names should be unique; use `/` for folders.
    static func make(entries: [(name: String, data: Data)]) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        let modified = Date()
        for entry in entries {
            let bytes = entry.data
            try archive.addEntry(
                with: entry.name, type: .file, uncompressedSize: Int64(bytes.count), modificationDate: modified,
                compressionMethod: .deflate
            ) { position, size in
                let start = bytes.startIndex + Int(position)
                return bytes.subdata(in: start..<min(start + size, bytes.endIndex))
            }
        }
        guard let data = archive.data else {
            throw Archive.ArchiveError.unwritableArchive  // only file-backed archives lack `data`
        }
        return data
    }
}
