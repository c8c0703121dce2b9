/// Activations for the perturbation deltas of channel-delta queries
/// (``Network/forward(perturbingParameter:by:cache:deltas:workspace:into:)``): Δa = f(z') − f(z) with the
/// SAME function on both sides, so Δa is exactly 0 where z' = z and the perturbed loss equals
/// the cached one when nothing changes. For tanh a vectorisable rational approximation (Eigen's
/// `generic_fast_tanh_float`, max error ~2 ulp, tested against libm) replaces libm's scalar
/// `tanhf`, which otherwise dominates a query's time.
enum FastActivation {
    /// tanh(x) ≈ p(x)/q(x), odd degree-13 over even degree-6 polynomial, clamped at ±7.9053.
    @inline(__always)
    static func tanh(_ x0: Float) -> Float {
        let x = min(max(x0, -7.90531110763549805), 7.90531110763549805)
        let x2 = x * x
        var p: Float = -2.76076847742355e-16
        p = p * x2 + 2.00018790482477e-13
        p = p * x2 + -8.60467152213735e-11
        p = p * x2 + 5.12229709037114e-08
        p = p * x2 + 1.48572235717979e-05
        p = p * x2 + 6.37261928875436e-04
        p = p * x2 + 4.89352455891786e-03
        p = p * x
        var q: Float = 1.19825839466702e-06
        q = q * x2 + 1.18534705686654e-04
        q = q * x2 + 2.26843463243900e-03
        q = q * x2 + 4.89352518554385e-03
        return abs(x0) < 0.0004 ? x0 : p / q
    }

    /// `a[i] = f(z[i])` with the function used for differences.
    static func apply(_ activation: Activation, _ z: UnsafePointer<Float>, _ a: UnsafeMutablePointer<Float>, count: Int) {
        if activation == .tanh {
            for i in 0..<count { a[i] = tanh(z[i]) }
        } else {
            for i in 0..<count { a[i] = activation(z[i]) }
        }
    }

    /// `d[i] = f(z'[i]) − fz[i]` where `fz` was computed by ``apply(_:_:_:count:)``.
    static func difference(_ activation: Activation, _ zNew: UnsafePointer<Float>, cached fz: UnsafePointer<Float>,
                           _ d: UnsafeMutablePointer<Float>, count: Int) {
        if activation == .tanh {
            for i in 0..<count { d[i] = tanh(zNew[i]) - fz[i] }
        } else {
            for i in 0..<count { d[i] = activation(zNew[i]) - fz[i] }
        }
    }
}
