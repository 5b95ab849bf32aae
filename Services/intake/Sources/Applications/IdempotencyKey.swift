import Hummingbird

/// The client's `Idempotency-Key` header: a retry with the same key gets the first answer again.
enum IdempotencyKey {
    /// The key, if the request carries a usable one (1 to 100 characters).
    static func from(_ request: Request) -> String? {
        request.headers.first { $0.name.canonicalName == "idempotency-key" }.map(\.value).flatMap { $0.isEmpty || $0.count > 100 ? nil : $0 }
    }
}
