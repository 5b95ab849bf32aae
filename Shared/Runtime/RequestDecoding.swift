import Foundation
import Hummingbird

/// JSON request decoding whose errors name the field and the reason.
public enum RequestDecoding {
    /// Decodes the body as `T`; 415 unless the body is declared `application/json`, 400 naming the
    /// field on bad JSON, 413 when too large.
    public static func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        try requireJSONContentType(request)
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else {
            throw APIError(status: .badRequest, code: "empty_body", message: "request body is required")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw apiError(for: error)
        }
    }

    /// Throws 415 unless `Content-Type` is `application/json` (or a `+json` type), parameters such as
    /// `charset=utf-8` allowed. A form or `text/plain` post, which a browser may send cross-site without
    /// asking, is never read as JSON.
    public static func requireJSONContentType(_ request: Request) throws {
        let declared = request.headers[.contentType] ?? ""
        let mediaType = declared.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json")) else {
            throw APIError(
                status: .unsupportedMediaType, code: "unsupported_media_type",
                message: "Content-Type must be application/json", field: "Content-Type")
        }
    }

    /// 400 naming the field of a decoding error.
    public static func apiError(for error: DecodingError) -> APIError {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            let field = parent.isEmpty ? key.stringValue : parent + "." + key.stringValue
            return .validation([.init(field: field, message: "必填")])
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return .validation([.init(field: path(context), message: "类型不正确")])
        case .dataCorrupted(let context):
            let field = path(context)
            if field.isEmpty {
                return APIError(status: .badRequest, code: "malformed_json", message: "request body is not valid JSON")
            }
            return .validation([.init(field: field, message: "取值无效")])
        @unknown default:
            return APIError(status: .badRequest, code: "malformed_json", message: "request body is not valid JSON")
        }
    }
}

/// JSON responses.
public enum JSONResponse {
    /// Encodes `value` as a JSON response with `status`.
    public static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
