import Foundation
import NIOCore

/// The file part of a `multipart/form-data` body (a browser's file upload without script): its file
/// name, content type and bytes, and the other fields as text.
struct MultipartForm {
    struct File {
        var fileName: String
        var contentType: String
        var bytes: ByteBuffer
    }

    var fields: [String: String] = [:]
    var files: [String: File] = [:]

    /// Parses `body` with the boundary of `contentType`; nil when it is not multipart or is malformed.
    init?(body: ByteBuffer, contentType: String) {
        guard contentType.lowercased().hasPrefix("multipart/form-data"),
            let boundaryParameter = contentType.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }).first(where: { $0.hasPrefix("boundary=") })
        else { return nil }
        let boundary = "--" + boundaryParameter.dropFirst("boundary=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        let bytes = Array(body.readableBytesView)
        let delimiter = Array(boundary.utf8)
        var starts: [Int] = []
        var index = 0
        while let found = Self.find(delimiter, in: bytes, from: index) {
            starts.append(found)
            index = found + delimiter.count
        }
        guard starts.count >= 2 else { return nil }
        for (start, end) in zip(starts, starts.dropFirst()) {
            var partStart = start + delimiter.count
            guard partStart + 2 <= end, bytes[partStart] == 13, bytes[partStart + 1] == 10 else { continue }
            partStart += 2
            guard let headerEnd = Self.find(Array("\r\n\r\n".utf8), in: bytes, from: partStart), headerEnd < end else { return nil }
            let headers = String(decoding: bytes[partStart..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 4
            let contentEnd = max(contentStart, end - 2)  // the CRLF before the next delimiter
            var name: String?
            var fileName: String?
            var partType = "application/octet-stream"
            for line in headers.components(separatedBy: "\r\n") {
                let lower = line.lowercased()
                if lower.hasPrefix("content-disposition:") {
                    name = Self.parameter("name", in: line)
                    fileName = Self.parameter("filename", in: line)
                } else if lower.hasPrefix("content-type:") {
                    partType = line.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces)
                }
            }
            guard let name else { continue }
            if let fileName {
                files[name] = File(fileName: fileName, contentType: partType, bytes: ByteBuffer(bytes: bytes[contentStart..<contentEnd]))
            } else {
                fields[name] = String(decoding: bytes[contentStart..<contentEnd], as: UTF8.self)
            }
        }
    }

    private static func parameter(_ name: String, in line: String) -> String? {
        for piece in line.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) where piece.hasPrefix(name + "=") {
            return String(piece.dropFirst(name.count + 1)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
