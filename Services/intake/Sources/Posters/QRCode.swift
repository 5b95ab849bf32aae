import CQRencode
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A QR code symbol: a square grid of modules produced by libqrencode.
struct QRCode: Sendable {
    /// Error-correction level; higher levels survive more damage but need a larger symbol.
    enum ErrorCorrection: Sendable {
        case low, medium, quartile, high

        fileprivate var qrecLevel: QRecLevel {
            switch self {
            case .low: QR_ECLEVEL_L
            case .medium: QR_ECLEVEL_M
            case .quartile: QR_ECLEVEL_Q
            case .high: QR_ECLEVEL_H
            }
        }
    }

    /// Modules per side (17 + 4 × version), without the quiet zone.
    let size: Int
    /// Row-major, `size * size` entries; `true` is a dark module.
    let modules: [Bool]

    /// The QR version (1...40) implied by `size`.
    var version: Int { (size - 17) / 4 }

    /// Whether the module in column `x`, row `y` is dark.
    subscript(x: Int, y: Int) -> Bool { modules[y * size + x] }

    /// Encodes `text` (UTF-8, case-sensitive) choosing the smallest version that fits.
    static func encode(_ text: String, level: ErrorCorrection = .medium) throws -> QRCode {
        guard let symbol = QRcode_encodeString(text, 0, level.qrecLevel, QR_MODE_8, 1) else {
            let reason = String(cString: strerror(errno))
            throw PosterError(.qrEncodingFailed, "cannot encode \(text.utf8.count) bytes as a QR code: \(reason)")
        }
        defer { QRcode_free(symbol) }
        let size = Int(symbol.pointee.width)
        // Each byte describes one module; bit 0 is the colour, the other bits are libqrencode bookkeeping.
        let bytes = UnsafeMutableBufferPointer(start: symbol.pointee.data, count: size * size)
        return QRCode(size: size, modules: bytes.map { $0 & 1 == 1 })
    }
}
