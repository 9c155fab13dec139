import XCTest
@testable import Biographies

final class BiographiesPlaceholderTests: XCTestCase {
    func testModuleLoads() { XCTAssertTrue(true) }
}
