import XCTest
import ZOTrain

final class ZOTrainModuleTests: XCTestCase {
    func testModuleLinksTheCore() {
        var g = SplitMix64(seed: 3)
        XCTAssertLessThan(g.nextUniform(), 1)
    }
}
