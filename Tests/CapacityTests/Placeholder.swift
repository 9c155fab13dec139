import XCTest
@testable import Capacity

final class CapacityPlaceholderTests: XCTestCase {
    func testModuleLoads() { XCTAssertTrue(true) }
}
