import XCTest
@testable import Experiments

final class ExperimentsPlaceholderTests: XCTestCase {
    func testModuleLoads() { XCTAssertTrue(true) }
}
