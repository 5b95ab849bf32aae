/// A small, fast, seedable random number generator (SplitMix64) for demo data.
///
/// The same seed gives the same sequence on every platform and Swift version: the helpers below
/// (`int(in:)`, `chance(_:)`, `pick(_:)`, `weightedIndex(_:)`) use only this file's arithmetic, never
/// the standard library's `random(in:using:)`, whose algorithm is not guaranteed to stay the same.
struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator for `seed`. Different `stream`s give independent sequences for the same seed, so one
    /// part of the demo data (say member names) can change without reshuffling another (the grid).
    init(seed: UInt64, stream: UInt64 = 0) {
        state = seed ^ Self.mix(stream &+ 0x6A09_E667_F3BC_C909)
    }

    /// The SplitMix64 finaliser: a bijective 64-bit mix.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// A uniformly distributed integer in `range` (Lemire's multiply-and-reject, unbiased).
    mutating func int(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(truncatingIfNeeded: range.upperBound &- range.lowerBound) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) }  // the whole Int range
        var product = next().multipliedFullWidth(by: span)
        if product.low < span {
            let threshold = (0 &- span) % span
            while product.low < threshold {
                product = next().multipliedFullWidth(by: span)
            }
        }
        return range.lowerBound &+ Int(truncatingIfNeeded: product.high)
    }

    /// A uniformly distributed double in `0..<1` (53 random bits).
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// True with probability `p` (0 never, 1 always).
    mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }

    /// A uniformly chosen element. `array` must not be empty.
    mutating func pick<T>(_ array: [T]) -> T {
        precondition(!array.isEmpty, "pick from an empty array")
        return array[int(in: 0...(array.count - 1))]
    }

    /// An index into `weights`, chosen with probability proportional to its weight. Weights must not
    /// be negative and at least one must be positive.
    mutating func weightedIndex(_ weights: [Int]) -> Int {
        let total = weights.reduce(0, +)
        precondition(total > 0, "weights must add up to more than zero")
        var roll = int(in: 0...(total - 1))
        for (index, weight) in weights.enumerated() {
            if roll < weight { return index }
            roll -= weight
        }
        return weights.count - 1
    }
}
