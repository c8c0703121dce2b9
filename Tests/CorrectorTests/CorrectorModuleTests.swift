import XCTest
import Corrector

final class CorrectorModuleTests: XCTestCase {
    func testModuleLinksTheCore() {
        XCTAssertEqual(Tensor<Float>(repeating: 2, shape: [2, 3]).sum(), 12)
    }
}
