import Foundation
import SOLCore

/// Angular wavenumbers of a periodic axis of `n` points over length `length`, in FFT order.
///
/// `k_j = 2π j / L` for `j ≤ n/2`, `2π (j − n) / L` above. Two variants: ``full(n:length:)``
/// keeps the Nyquist wavenumber (for even multipliers such as `−ν k²`), ``derivative(n:length:)``
/// sets it to 0 so that odd multipliers (`i k`) stay Hermitian and map real fields to real fields.
public enum Wavenumbers {
    /// Signed mode index of FFT position `j` on an axis of `n` points.
    @inlinable public static func index(_ j: Int, n: Int) -> Int { j <= n / 2 ? j : j - n }

    /// `2π j / L` for every position `0..<count` of an axis of `n` points (`count = n` for a full
    /// axis, `n/2 + 1` for the half axis of a real transform).
    public static func full(n: Int, length: Double, count: Int? = nil) -> [Double] {
        (0..<(count ?? n)).map { 2 * Double.pi * Double(index($0, n: n)) / length }
    }

    /// Like ``full(n:length:count:)`` but 0 at the Nyquist position `n/2` (even `n`).
    public static func derivative(n: Int, length: Double, count: Int? = nil) -> [Double] {
        (0..<(count ?? n)).map { j in n % 2 == 0 && j == n / 2 ? 0 : 2 * Double.pi * Double(index(j, n: n)) / length }
    }

    /// The 2/3-rule dealiasing mask: 1 where `|index| < n/3` (strictly: `3|j| < n`), else 0
    /// (Orszag 1971). Applied to the spectrum of quadratic products.
    public static func dealiasMask(n: Int, count: Int? = nil) -> [Double] {
        (0..<(count ?? n)).map { 3 * abs(index($0, n: n)) < n ? 1 : 0 }
    }
}
