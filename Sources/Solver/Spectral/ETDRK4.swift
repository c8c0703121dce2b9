import Foundation
import SOLCore

/// The fourth-order exponential time-differencing Runge–Kutta scheme ETDRK4 of Cox & Matthews
/// (J. Comput. Phys. 176, 2002) for a diagonal stiff linear part, `v̂' = L v̂ + N(v̂)`, with the
/// coefficients computed by the contour integrals of Kassam & Trefethen (SIAM J. Sci. Comput. 26,
/// 2005): every φ-function is averaged over `M = 32` points on a circle of radius 1 around
/// `h L`, which avoids the cancellation of the direct formulas for small `|h L|`.
///
/// One step of size `h` (`E = e^{hL}`, `E₂ = e^{hL/2}`):
///
///     a = E₂ v + Q N(v)             b = E₂ v + Q N(a)           c = E₂ a + Q (2N(b) − N(v))
///     v ← E v + f₁ N(v) + 2 f₂ (N(a) + N(b)) + f₃ N(c)
///
/// The linear part (viscosity `−ν k²`, drag) is integrated exactly; the nonlinear part
/// explicitly at fourth order. `L` is given per entry of the (batched) spectrum, so every state
/// of a batch may have its own viscosity. The coefficients are real (`L` real), so every
/// coefficient multiplication is self-adjoint, which makes ``adjoint(_:record:nonlinearVJP:)``
/// the exact transpose of ``step(_:record:nonlinear:)``.
public final class ETDRK4<Scalar: FFTScalar>: ExponentialIntegrator, @unchecked Sendable {
    /// A complex spectrum entry.
    public typealias C = Complex<Scalar>
    /// Complex entries of the evolved spectrum (all batch items).
    public let count: Int
    /// Step size.
    public let h: Double
    /// Coefficients `E, E₂, Q, f₁, f₂, f₃`, one per spectrum entry.
    let e: Buffer<Scalar>, e2: Buffer<Scalar>, q: Buffer<Scalar>, f1: Buffer<Scalar>, f2: Buffer<Scalar>, f3: Buffer<Scalar>
    // Forward workspace: N(v), N(a), N(b), N(c), a, b, c.
    let nv: Buffer<C>, na: Buffer<C>, nb: Buffer<C>, nc: Buffer<C>, a: Buffer<C>, b: Buffer<C>, c: Buffer<C>
    // Adjoint workspace.
    let bv: Buffer<C>, bnv: Buffer<C>, bna: Buffer<C>, bnb: Buffer<C>, bnc: Buffer<C>, ba: Buffer<C>, bb: Buffer<C>, bc: Buffer<C>

    /// Coefficients for the linear operator values `linear` (one per spectrum entry) and step `h`.
    public init(linear: [Double], h: Double) {
        count = linear.count
        self.h = h
        var e = [Scalar](), e2 = [Scalar](), q = [Scalar](), f1 = [Scalar](), f2 = [Scalar](), f3 = [Scalar]()
        e.reserveCapacity(count); e2.reserveCapacity(count); q.reserveCapacity(count)
        f1.reserveCapacity(count); f2.reserveCapacity(count); f3.reserveCapacity(count)
        let m = 32
        let roots = (1...m).map { j in Complex<Double>(length: 1, phase: Double.pi * (Double(j) - 0.5) / Double(m)) }
        var cache: [Double: (Double, Double, Double, Double, Double, Double)] = [:]
        for l in linear {
            if let c = cache[l] {
                e.append(Scalar(c.0)); e2.append(Scalar(c.1)); q.append(Scalar(c.2))
                f1.append(Scalar(c.3)); f2.append(Scalar(c.4)); f3.append(Scalar(c.5))
                continue
            }
            let hl = h * l
            var sq = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
            for root in roots {
                let r = Complex<Double>(hl) + root
                let er = Complex.exp(r), er2 = Complex.exp(r / 2)
                let r2 = r * r, r3 = r2 * r
                sq += ((er2 - 1) / r).re
                s1 += ((-4 - r + er * (4 - 3 * r + r2)) / r3).re
                s2 += ((2 + r + er * (r - 2)) / r3).re
                s3 += ((-4 - 3 * r - r2 + er * (4 - r)) / r3).re
            }
            let md = Double(m)
            let c = (Foundation.exp(hl), Foundation.exp(hl / 2), h * sq / md, h * s1 / md, h * s2 / md, h * s3 / md)
            cache[l] = c
            e.append(Scalar(c.0)); e2.append(Scalar(c.1)); q.append(Scalar(c.2))
            f1.append(Scalar(c.3)); f2.append(Scalar(c.4)); f3.append(Scalar(c.5))
        }
        func buffer(_ values: [Scalar]) -> Buffer<Scalar> {
            let b = Buffer<Scalar>(count: values.count, zero: 0)
            for i in values.indices { b.pointer[i] = values[i] }
            return b
        }
        (self.e, self.e2, self.q, self.f1, self.f2, self.f3) = (buffer(e), buffer(e2), buffer(q), buffer(f1), buffer(f2), buffer(f3))
        let n = count
        func work() -> Buffer<C> { Buffer<C>(count: n, zero: .zero) }
        (nv, na, nb, nc, a, b, c) = (work(), work(), work(), work(), work(), work(), work())
        (bv, bnv, bna, bnb, bnc, ba, bb, bc) = (work(), work(), work(), work(), work(), work(), work(), work())
    }

    /// Entries a ``Record`` needs per step: the four stage values `v, a, b, c`.
    public var recordCount: Int { 4 * count }

    /// Time of stage `stage` (0…3 for `v, a, b, c`) as a fraction of the step: `0, ½, ½, 1`.
    /// A non-autonomous `N(x, t)` (time-dependent forcing) is evaluated at `t₀ + h·stageOffset`,
    /// which keeps the scheme fourth order (Cox & Matthews 2002, §2).
    @inlinable public static func stageOffset(_ stage: Int) -> Double { stage == 0 ? 0 : stage == 3 ? 1 : 0.5 }

    /// ``stageOffset(_:)`` (the ``ExponentialIntegrator`` requirement).
    public func stageOffset(_ stage: Int) -> Double { Self.stageOffset(stage) }

    /// Advances `v` (``count`` entries) by one step. `nonlinear(x, out, stage)` writes `N(x)` to
    /// `out`; `stage` (0…3) is the stage being evaluated (its time is ``stageOffset(_:)``).
    /// If `record` is given, the stage values `v, a, b, c` are stored there (``recordCount``
    /// entries) for ``adjoint(_:record:nonlinearVJP:)``.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func step(_ v: UnsafeMutablePointer<C>, record: UnsafeMutablePointer<C>? = nil,
                     nonlinear: (UnsafePointer<C>, UnsafeMutablePointer<C>, Int) -> Void) {
        let n = count
        let e = self.e.pointer, e2 = self.e2.pointer, q = self.q.pointer, f1 = self.f1.pointer, f2 = self.f2.pointer, f3 = self.f3.pointer
        let nv = self.nv.pointer, na = self.na.pointer, nb = self.nb.pointer, nc = self.nc.pointer
        let a = self.a.pointer, b = self.b.pointer, c = self.c.pointer
        if let record { record.update(from: v, count: n) }
        nonlinear(v, nv, 0)
        for i in 0..<n { a[i] = Self.lin(e2[i], v[i], q[i], nv[i]) }
        nonlinear(a, na, 1)
        for i in 0..<n { b[i] = Self.lin(e2[i], v[i], q[i], na[i]) }
        nonlinear(b, nb, 2)
        for i in 0..<n {
            let t = C(2 * nb[i].re - nv[i].re, 2 * nb[i].im - nv[i].im)
            c[i] = Self.lin(e2[i], a[i], q[i], t)
        }
        nonlinear(c, nc, 3)
        for i in 0..<n {
            let s = C(na[i].re + nb[i].re, na[i].im + nb[i].im)
            let re = e[i] * v[i].re + f1[i] * nv[i].re + 2 * f2[i] * s.re + f3[i] * nc[i].re
            let im = e[i] * v[i].im + f1[i] * nv[i].im + 2 * f2[i] * s.im + f3[i] * nc[i].im
            v[i] = C(re, im)
        }
        if let record {
            (record + n).update(from: a, count: n)
            (record + 2 * n).update(from: b, count: n)
            (record + 3 * n).update(from: c, count: n)
        }
    }

    /// Transpose of one step: on entry `w` holds the cotangent of the step's output, on exit the
    /// cotangent of its input. `record` holds the stage values stored by ``step(_:record:nonlinear:)``;
    /// `nonlinearVJP(x, w, out, stage)` writes `dN(x)ᵀ w` to `out`; `w` is the cotangent of the
    /// stage's `N`, so a caller whose `N` depends on parameters can accumulate their cotangents
    /// there. Stages are visited in reverse (3, 2, 1, 0). All spectra represent real fields
    /// (cotangents are represented by the transform of the real-space cotangent).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func adjoint(_ w: UnsafeMutablePointer<C>, record: UnsafePointer<C>,
                        nonlinearVJP: (UnsafePointer<C>, UnsafePointer<C>, UnsafeMutablePointer<C>, Int) -> Void) {
        let n = count
        let e = self.e.pointer, e2 = self.e2.pointer, q = self.q.pointer, f1 = self.f1.pointer, f2 = self.f2.pointer, f3 = self.f3.pointer
        let bv = self.bv.pointer, bnv = self.bnv.pointer, bna = self.bna.pointer, bnb = self.bnb.pointer
        let bnc = self.bnc.pointer, ba = self.ba.pointer, bb = self.bb.pointer, bc = self.bc.pointer
        let v = record, a = record + n, b = record + 2 * n, c = record + 3 * n
        for i in 0..<n {
            bv[i] = Self.scale(e[i], w[i])
            bnv[i] = Self.scale(f1[i], w[i])
            bna[i] = Self.scale(2 * f2[i], w[i])
            bnb[i] = bna[i]
            bnc[i] = Self.scale(f3[i], w[i])
        }
        nonlinearVJP(c, bnc, bc, 3)
        for i in 0..<n {
            ba[i] = Self.scale(e2[i], bc[i])
            bnb[i] = Self.add(bnb[i], Self.scale(2 * q[i], bc[i]))
            bnv[i] = Self.add(bnv[i], Self.scale(-q[i], bc[i]))
        }
        nonlinearVJP(b, bnb, bb, 2)
        for i in 0..<n {
            bv[i] = Self.add(bv[i], Self.scale(e2[i], bb[i]))
            bna[i] = Self.add(bna[i], Self.scale(q[i], bb[i]))
        }
        nonlinearVJP(a, bna, bc, 1)  // bc reused as scratch for dN(a)ᵀ n̄a
        for i in 0..<n {
            ba[i] = Self.add(ba[i], bc[i])
            bv[i] = Self.add(bv[i], Self.scale(e2[i], ba[i]))
            bnv[i] = Self.add(bnv[i], Self.scale(q[i], ba[i]))
        }
        nonlinearVJP(v, bnv, bc, 0)
        for i in 0..<n { w[i] = Self.add(bv[i], bc[i]) }
    }

    @inline(__always) static func lin(_ s: Scalar, _ x: C, _ t: Scalar, _ y: C) -> C {
        C(s * x.re + t * y.re, s * x.im + t * y.im)
    }
    @inline(__always) static func scale(_ s: Scalar, _ x: C) -> C { C(s * x.re, s * x.im) }
    @inline(__always) static func add(_ x: C, _ y: C) -> C { C(x.re + y.re, x.im + y.im) }
}
