import Foundation
import SOLCore

/// The second-order exponential time-differencing Runge–Kutta scheme ETD2RK of Cox & Matthews
/// (J. Comput. Phys. 176, 2002, eq. 22) for a diagonal linear part, `v̂' = L v̂ + N(v̂)`, with the
/// φ-functions computed by the contour integrals of Kassam & Trefethen (2005), as in ``ETDRK4``:
///
///     a = E v + Q N(v)                    Q = (e^{hL} − 1)/L
///     v ← a + P (N(a) − N(v))             P = (e^{hL} − 1 − hL)/(h L²)
///
/// Two evaluations of `N` per step (stage 0 at the start, stage 1 at the end of the step) instead
/// of ETDRK4's four. The coefficients are real, so ``adjoint(_:record:nonlinearVJP:)`` is the
/// exact transpose of ``step(_:record:nonlinear:)``.
public final class ETDRK2<Scalar: FFTScalar>: ExponentialIntegrator, @unchecked Sendable {
    /// A complex spectrum entry.
    public typealias C = Complex<Scalar>
    public let count: Int
    public let h: Double
    /// Coefficients `E, Q, P`, one per spectrum entry.
    let e: Buffer<Scalar>, q: Buffer<Scalar>, p: Buffer<Scalar>
    let nv: Buffer<C>, na: Buffer<C>, a: Buffer<C>
    let bv: Buffer<C>, ba: Buffer<C>, bn: Buffer<C>, scratch: Buffer<C>

    /// Coefficients for the linear operator values `linear` (one per spectrum entry) and step `h`.
    public init(linear: [Double], h: Double) {
        count = linear.count
        self.h = h
        let m = 32
        let roots = (1...m).map { j in Complex<Double>(length: 1, phase: Double.pi * (Double(j) - 0.5) / Double(m)) }
        var cache: [Double: (Double, Double, Double)] = [:]
        let e = Buffer<Scalar>(count: count, zero: 0), q = Buffer<Scalar>(count: count, zero: 0), p = Buffer<Scalar>(count: count, zero: 0)
        for (i, l) in linear.enumerated() {
            let c: (Double, Double, Double)
            if let hit = cache[l] { c = hit } else {
                let hl = h * l
                var s1 = 0.0, s2 = 0.0
                for root in roots {
                    let r = Complex<Double>(hl) + root
                    let er = Complex.exp(r)
                    s1 += ((er - 1) / r).re
                    s2 += ((er - 1 - r) / (r * r)).re
                }
                c = (Foundation.exp(hl), h * s1 / Double(m), h * s2 / Double(m))
                cache[l] = c
            }
            e.pointer[i] = Scalar(c.0); q.pointer[i] = Scalar(c.1); p.pointer[i] = Scalar(c.2)
        }
        (self.e, self.q, self.p) = (e, q, p)
        let n = count
        func work() -> Buffer<C> { Buffer<C>(count: n, zero: .zero) }
        (nv, na, a) = (work(), work(), work())
        (bv, ba, bn, scratch) = (work(), work(), work(), work())
    }

    /// Entries of a record: the stage values `v, a`.
    public var recordCount: Int { 2 * count }

    /// Stage 0 at the start of the step, stage 1 (the predictor `a`) at its end.
    public func stageOffset(_ stage: Int) -> Double { stage == 0 ? 0 : 1 }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func step(_ v: UnsafeMutablePointer<C>, record: UnsafeMutablePointer<C>? = nil,
                     nonlinear: (UnsafePointer<C>, UnsafeMutablePointer<C>, Int) -> Void) {
        let n = count, e = self.e.pointer, q = self.q.pointer, p = self.p.pointer
        let nv = self.nv.pointer, na = self.na.pointer, a = self.a.pointer
        if let record { record.update(from: v, count: n) }
        nonlinear(v, nv, 0)
        for i in 0..<n {
            a[i] = C(e[i] * v[i].re + q[i] * nv[i].re, e[i] * v[i].im + q[i] * nv[i].im)
        }
        nonlinear(a, na, 1)
        for i in 0..<n {
            v[i] = C(a[i].re + p[i] * (na[i].re - nv[i].re), a[i].im + p[i] * (na[i].im - nv[i].im))
        }
        if let record { (record + n).update(from: a, count: n) }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func adjoint(_ w: UnsafeMutablePointer<C>, record: UnsafePointer<C>,
                        nonlinearVJP: (UnsafePointer<C>, UnsafePointer<C>, UnsafeMutablePointer<C>, Int) -> Void) {
        let n = count, e = self.e.pointer, q = self.q.pointer, p = self.p.pointer
        let bv = self.bv.pointer, ba = self.ba.pointer, bn = self.bn.pointer, s = self.scratch.pointer
        let v = record, a = record + n
        // out = a + P N(a) − P N(v): ā = w, n̄a = P w, n̄v = −P w.
        for i in 0..<n { bn[i] = C(p[i] * w[i].re, p[i] * w[i].im) }
        nonlinearVJP(a, bn, s, 1)
        for i in 0..<n {
            ba[i] = C(w[i].re + s[i].re, w[i].im + s[i].im)
            // a = E v + Q N(v): v̄ = E ā, n̄v = Q ā − P w.
            bv[i] = C(e[i] * ba[i].re, e[i] * ba[i].im)
            bn[i] = C(q[i] * ba[i].re - p[i] * w[i].re, q[i] * ba[i].im - p[i] * w[i].im)
        }
        nonlinearVJP(v, bn, s, 0)
        for i in 0..<n { w[i] = C(bv[i].re + s[i].re, bv[i].im + s[i].im) }
    }
}
