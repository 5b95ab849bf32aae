/// Why a village poster could not be produced.
struct PosterError: Error, Sendable, CustomStringConvertible {
    enum Code: String, Sendable {
        /// libqrencode refused the text (for example, too long for any QR version).
        case qrEncodingFailed
        /// `rsvg-convert` is not installed (Debian package librsvg2-bin) or not executable.
        case rasterizerMissing
        /// `rsvg-convert` ran but did not produce a PNG.
        case rasterizerFailed
    }

    var code: Code
    var message: String

    var description: String { "\(code.rawValue): \(message)" }
}

extension PosterError {
    init(_ code: Code, _ message: String) {
        self.init(code: code, message: message)
    }
}
