import Foundation
import Hummingbird

/// A file answered for download (a report, an export): `Content-Disposition: attachment` with its
/// name, never cached (such files carry names and amounts of households).
public enum DownloadResponse {
    /// The CSV media type, UTF-8.
    public static let csv = "text/csv; charset=utf-8"
    /// The XLSX media type.
    public static let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    /// `data` as a download named `fileName` of media type `contentType`.
    public static func make(_ data: Data, contentType: String, fileName: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.contentDisposition] = "attachment; filename=\"\(fileName)\""
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(bytes: data)))
    }
}
