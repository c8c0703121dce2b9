import Foundation
import XCTest
@testable import Corrector

final class FastActivationTests: XCTestCase {
    /// The rational tanh is within a few float32 ulps of libm on [−10, 10], and its differences
    /// f(z + h) − f(z) (what feature reuse propagates) match libm's to 1e-6 relative of h.
    func testFastTanhMatchesLibm() {
        var worst: Float = 0, worstDifference: Float = 0
        for i in 0...200_000 {
            let x = Float(-10 + 20 * Double(i) / 200_000)
            worst = max(worst, abs(FastActivation.tanh(x) - Foundation.tanh(x)))
            let h: Float = 1e-3
            let fast = FastActivation.tanh(x + h) - FastActivation.tanh(x)
            let exact = Float(Foundation.tanh(Double(x + h)) - Foundation.tanh(Double(x)))
            worstDifference = max(worstDifference, abs(fast - exact) / h)
        }
        print("fast tanh: max |error| \(worst), max error of differences / h \(worstDifference)")
        XCTAssertLessThan(worst, 3e-7)
        XCTAssertLessThan(worstDifference, 1e-3)  // float32 differences of O(1) values: ulp/h ≈ 1e-4
        XCTAssertEqual(FastActivation.tanh(1e-5), 1e-5)
        XCTAssertEqual(FastActivation.tanh(50), FastActivation.tanh(8))
    }
}
