#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as bytes (4 or 16), parsed with `inet_pton`.
public struct IPAddress: Sendable, Hashable {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    /// Parses dotted IPv4 or IPv6 text (an IPv4-mapped IPv6 address becomes the IPv4 address); nil if
    /// `text` is neither.
    public init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        let trimmed = text.hasPrefix("[") && text.hasSuffix("]") ? String(text.dropFirst().dropLast()) : text
        guard inet_pton(AF_INET6, trimmed, &v6) == 1 else { return nil }
        let all = withUnsafeBytes(of: &v6) { Array($0) }
        if all.prefix(10).allSatisfy({ $0 == 0 }) && all[10] == 0xff && all[11] == 0xff {
            bytes = Array(all.suffix(4))
        } else {
            bytes = all
        }
    }

    /// Whether this is an IPv6 address.
    public var isIPv6: Bool { bytes.count == 16 }

    /// The key rate limits count by: an IPv4 address itself; for IPv6 its /64 network, because one
    /// subscriber usually holds a whole /64 and could otherwise take a fresh address per request.
    public var rateLimitKey: String {
        if isIPv6 {
            return stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":") + "::/64"
        }
        return bytes.map(String.init).joined(separator: ".")
    }
}

/// A network in CIDR notation (`10.0.0.0/8`, `fd00::/8`, or one address).
public struct IPNetwork: Sendable, Hashable {
    /// The network's address.
    public let address: IPAddress
    /// The prefix length in bits.
    public let prefixLength: Int

    /// Parses `address/length` or a bare address; nil if malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let first = parts.first, let address = IPAddress(first) else { return nil }
        let bits = address.bytes.count * 8
        let length = parts.count == 2 ? Int(parts[1]) : bits
        guard let length, (0...bits).contains(length) else { return nil }
        self.address = address
        self.prefixLength = length
    }

    /// Whether `other` lies in this network.
    public func contains(_ other: IPAddress) -> Bool {
        guard other.bytes.count == address.bytes.count else { return false }
        var remaining = prefixLength
        for index in address.bytes.indices where remaining > 0 {
            let take = min(8, remaining)
            let mask: UInt8 = take == 8 ? 0xff : ~(0xff >> UInt8(take))
            if address.bytes[index] & mask != other.bytes[index] & mask { return false }
            remaining -= take
        }
        return true
    }
}

/// Who the client of a request is, for rate limits: the socket's peer, unless the peer is a trusted
/// reverse proxy, in which case `X-Forwarded-For` is read from the right (the entries proxies
/// appended) past every trusted proxy; the first untrusted address is the client. Entries left of it
/// are whatever the client chose to send and are never believed.
public struct ClientAddressResolver: Sendable {
    /// The proxies whose `X-Forwarded-For` entries are believed (`TRUSTED_PROXIES`).
    public let trustedProxies: [IPNetwork]

    /// Creates a resolver trusting `trustedProxies`.
    public init(trustedProxies: [IPNetwork]) {
        self.trustedProxies = trustedProxies
    }

    /// Reads `TRUSTED_PROXIES` (comma-separated CIDRs; empty: trust no proxy header).
    public init(settings: ConfigReader) throws {
        let text = settings.string("TRUSTED_PROXIES", default: "")
        var networks: [IPNetwork] = []
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            guard let network = IPNetwork(item) else {
                throw ConfigurationError(variable: "TRUSTED_PROXIES", reason: "\"\(item)\" is not an address or CIDR network (e.g. 10.0.0.0/8, fd00::/8)")
            }
            networks.append(network)
        }
        self.init(trustedProxies: networks)
    }

    private func isTrusted(_ address: IPAddress) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }

    /// The client's rate-limit key, from the socket's peer and the request's `X-Forwarded-For`.
    public func clientKey(peer: String?, forwardedFor: String?) -> String {
        guard let peerText = peer, let peerAddress = IPAddress(peerText) else { return "unknown" }
        var client = peerAddress
        if isTrusted(peerAddress), let forwardedFor {
            for entry in forwardedFor.split(separator: ",").reversed() {
                guard let hop = IPAddress(entry.trimmingCharacters(in: .whitespaces)) else { break }
                client = hop
                if !isTrusted(hop) { break }
            }
        }
        return client.rateLimitKey
    }
}
