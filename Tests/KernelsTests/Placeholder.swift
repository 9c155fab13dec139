import XCTest
@testable import Kernels

final class KernelsPlaceholderTests: XCTestCase {
    func testModuleLoads() { XCTAssertTrue(true) }
}
