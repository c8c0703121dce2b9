/// Vectorised float32 elementary functions for the activation hot loops (libm's `tanhf` was ~10 %
/// of a forward pass). Cephes-style (Moshier) polynomials, accurate to a few ulp; every lane is
/// computed by the same branch-free code, so results do not depend on position or batch.
public enum VectorMath {
    /// The SIMD width the kernels process at once.
    public typealias Vector = SIMD8<Float>

    /// `eˣ` for `x ∈ [−87, 88]` (clamped outside): `2ⁿ · p(r)`, `r = x − n ln 2`, `|r| ≤ ln2/2`,
    /// `n` rounded with the 1.5·2²³ trick (no `floor`, which baseline x86-64 cannot vectorise).
    /// (`pointwiseMin`/`pointwiseMax` are not inlined by the compiler: masked `replacing` is.)
    @inline(__always)
    public static func exp(_ x: Vector) -> Vector {
        let magic = Vector(repeating: 12_582_912)  // 1.5 · 2²³
        var x = x.replacing(with: 88, where: x .> 88)
        x.replace(with: -87, where: x .< -87)
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        x = x - n * 0.693_359_375
        x = x + n * 2.121_944_4e-4
        let z = x * x
        var y = Vector(repeating: 1.987_569_15e-4)
        y = y * x + 1.398_199_95e-3
        y = y * x + 8.333_451_9e-3
        y = y * x + 4.166_579_59e-2
        y = y * x + 1.666_666_55e-1
        y = y * x + 5.000_000_12e-1
        y = y * z + x + 1
        // bits(shifted) = bits(magic) + n; 2ⁿ has exponent field n + 127.
        typealias Bits = SIMD8<UInt32>
        let nBits = unsafeBitCast(shifted, to: Bits.self) &- unsafeBitCast(magic, to: Bits.self)
        let pow2 = unsafeBitCast((nBits &+ 127) &<< 23, to: Vector.self)
        return y * pow2
    }

    /// `tanh x`: odd polynomial for `|x| < 0.625`, `1 − 2 / (e^{2|x|} + 1)` (signed) beyond.
    @inline(__always)
    public static func tanh(_ x: Vector) -> Vector {
        let negative = x .< 0
        let ax = x.replacing(with: -x, where: negative)
        let twice = 2 * ax
        let e = exp(twice.replacing(with: 40, where: twice .> 40))
        var large = 1 - 2 / (e + 1)
        large.replace(with: -large, where: negative)
        let z = x * x
        var p = Vector(repeating: -5.704_988_727_45e-3)
        p = p * z + 2.063_908_879_54e-2
        p = p * z - 5.373_971_555_31e-2
        p = p * z + 1.333_144_220_36e-1
        p = p * z - 3.333_328_194_22e-1
        let small = p * z * x + x
        return small.replacing(with: large, where: ax .>= 0.625)
    }

    /// `erf x` by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7, about 1 ulp near ±1; smooth):
    /// `1 − t (a₁ + t (a₂ + …)) e^{−x²}`, `t = 1 / (1 + p|x|)`, odd extension.
    @inline(__always)
    public static func erf(_ x: Vector) -> Vector {
        let negative = x .< 0
        let ax = x.replacing(with: -x, where: negative)
        let t = 1 / (1 + 0.327_591_1 * ax)
        var p = Vector(repeating: 1.061_405_429)
        p = p * t - 1.453_152_027
        p = p * t + 1.421_413_741
        p = p * t - 0.284_496_736
        p = p * t + 0.254_829_592
        var y = 1 - p * t * exp(-(ax * ax))
        y.replace(with: -y, where: negative)
        return y
    }

    /// Exact-form GELU `½ x (1 + erf(x / √2))` with ``erf(_:)``.
    @inline(__always)
    public static func gelu(_ x: Vector) -> Vector { 0.5 * x * (1 + erf(x * 0.707_106_781_186_547_5)) }

    /// GELU′ `Φ(x) + x φ(x)`.
    @inline(__always)
    public static func geluDerivative(_ x: Vector) -> Vector {
        let cdf = 0.5 * (1 + erf(x * 0.707_106_781_186_547_5))
        return cdf + x * 0.398_942_280_401_432_7 * exp(-0.5 * x * x)
    }

    /// Applies a vector function to `count` elements (`x` and `y` may alias); the tail goes through
    /// the same function on a padded vector, so every element sees the same code.
    @inline(__always)
    static func map(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, _ f: (Vector) -> Vector) {
        var i = 0
        let raw = UnsafeRawPointer(x), out = UnsafeMutableRawPointer(y)
        let stride = MemoryLayout<Float>.stride
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * stride, as: Vector.self)
            out.storeBytes(of: f(v), toByteOffset: i * stride, as: Vector.self)
            i += 8
        }
        if i < count {
            var v = Vector(repeating: 0)
            for j in 0..<(count - i) { v[j] = x[i + j] }
            let r = f(v)
            for j in 0..<(count - i) { y[i + j] = r[j] }
        }
    }

    /// `y[i] *= f(x[i])` for `count` elements.
    @inline(__always)
    static func multiply(_ y: UnsafeMutablePointer<Float>, by x: UnsafePointer<Float>, count: Int, _ f: (Vector) -> Vector) {
        var i = 0
        let raw = UnsafeRawPointer(x), out = UnsafeMutableRawPointer(y)
        let stride = MemoryLayout<Float>.stride
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * stride, as: Vector.self)
            let g = out.loadUnaligned(fromByteOffset: i * stride, as: Vector.self)
            out.storeBytes(of: g * f(v), toByteOffset: i * stride, as: Vector.self)
            i += 8
        }
        while i < count { y[i] *= f(Vector(repeating: x[i]))[0]; i += 1 }
    }

    /// `tanh` of one scalar through the same code (so scalar and vector paths agree bit for bit).
    @inline(__always)
    public static func tanh(_ x: Float) -> Float { tanh(Vector(repeating: x))[0] }

    /// `y[i] = tanh(x[i])` for `count` elements (`x` and `y` may alias).
    public static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        map(x, y, count: count, tanh)
    }
}
