import Foundation
import Hummingbird

/// Streams an uploaded file (a request body) to disk, readable by the service's user only, refusing it
/// beyond `maximumBytes` (413) and when empty (400): files of the registry and of departments hold ID
/// numbers, so they never sit in memory whole nor where others can read them.
public enum UploadedFile {
    /// Writes `body` to `file` (created anew, mode 0600).
    public static func receive(_ body: RequestBody, into file: URL, maximumBytes: Int) async throws {
        guard FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw APIError(status: .internalServerError, code: "internal_error", message: "服务暂时不可用，请稍后再试")
        }
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        var received = 0
        for try await buffer in body {
            received += buffer.readableBytes
            guard received <= maximumBytes else {
                throw APIError(status: .contentTooLarge, code: "body_too_large", message: "文件超过 \(maximumBytes >> 20) MB，请分批导入")
            }
            try handle.write(contentsOf: Data(buffer.readableBytesView))
        }
        guard received > 0 else {
            throw APIError(status: .badRequest, code: "validation_failed", message: "上传的文件为空", field: "file")
        }
    }
}
