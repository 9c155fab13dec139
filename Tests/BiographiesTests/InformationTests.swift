import Foundation
import XCTest
@testable import Biographies

final class InformationTests: XCTestCase {
    func testBioSPaperPoolsLog2S0Is47_5916() {
        // S0 = 2 · (12·28·200) · 200 · 300 · 100 · 263 = 212,083,200,000,000.
        let log2S0 = bioSLog2ValueSpace(BioSConfig(people: 1))
        XCTAssertEqual(log2S0, log2(212_083_200_000_000.0), accuracy: 1e-12)
        XCTAssertEqual(log2S0, 47.59162367189112, accuracy: 1e-9)
    }

    func testBioSInformationContentMatchesClosedForm() {
        // Hand-computed (Python, math.log2): N = 1000, N0 = 1.6e8.
        let info = informationContent(of: .bioS(BioSConfig(people: 1000)))
        XCTAssertEqual(info.namePool, 160_000_000)
        XCTAssertEqual(info.log2NamePool, log2(160_000_000.0), accuracy: 1e-12)
        XCTAssertEqual(info.nameBits, 17287.71237954945, accuracy: 1e-6)
        XCTAssertEqual(info.valueBits, 1000 * 47.59162367189112, accuracy: 1e-6)
        XCTAssertEqual(info.diversityBits, 0)
        XCTAssertEqual(info.total, 64879.33605144058, accuracy: 1e-6)
        // The paper's table (digest §1.5): 10K people hold 0.616 Mbit.
        XCTAssertEqual(informationContent(of: .bioS(BioSConfig(people: 10_000))).total, 615574.079565532, accuracy: 1e-5)
    }

    func testBioSExactNameBitsIsLog2BinomialAndAboutLog2ePerPersonMore() {
        let info = informationContent(of: .bioS(BioSConfig(people: 500)))
        // Direct sum: log2 C(n, k) = Σ_{i<k} log2((n − i)/(k − i)).
        var direct = 0.0
        for i in 0..<500 { direct += log2((160_000_000.0 - Double(i)) / Double(500 - i)) }
        XCTAssertEqual(info.nameBitsExact, direct, accuracy: 1e-4)
        XCTAssertEqual(info.nameBitsExact, 9859.393704710537, accuracy: 1e-4)   // Python math.comb
        // Stirling: log2 C(N0, N) − N·log2(N0/N) ≈ N·log2 e − ½·log2(2πN) for N ≪ N0.
        XCTAssertEqual(info.nameBitsExact - info.nameBits, 500 * log2(M_E) - 0.5 * log2(2 * Double.pi * 500), accuracy: 0.01)
    }

    func testScaledDownBioSBitsFollowTheParameters() {
        var c = BioSConfig(people: 100)
        c.firstNames = 10; c.middleNames = 20; c.lastNames = 30; c.birthYears = 10
        c.birthCities = 20; c.universities = 30; c.majors = 10; c.employers = 26
        let info = informationContent(of: .bioS(c))
        let s0: Double = 2 * 3360 * 20 * 30 * 10 * 26          // 2 · (12·28·10) · 20 · 30 · 10 · 26
        XCTAssertEqual(info.log2ValueSpace, log2(s0), accuracy: 1e-12)
        XCTAssertEqual(info.nameBits, 100 * log2(6000.0 / 100), accuracy: 1e-9)
        XCTAssertEqual(info.valueBits, 100 * log2(s0), accuracy: 1e-9)
    }

    func testBioDInformationContentMatchesProposition2_3() {
        // N = 500, K = 4, C = 2, D = 100, L = 3, T = 10, paper name pools. Python reference values.
        let info = informationContent(of: .bioD(BioDConfig(people: 500, attributes: 4, chunks: 2, diversity: 100,
                                                           chunkLength: 3, alphabet: 10)))
        XCTAssertEqual(info.nameBits, 9143.856189774726, accuracy: 1e-6)
        XCTAssertEqual(info.valueBits, 26575.424759098896, accuracy: 1e-6)        // N·K·C·log2 D
        XCTAssertEqual(info.diversityBits, 1328.7712379549448, accuracy: 1e-6)    // K·D·log2(T^L/D)
        XCTAssertEqual(info.diversityBitsExact, 1857.690813504937, accuracy: 1e-4) // K·log2 C(T^L, D)
        XCTAssertEqual(info.total, 9143.856189774726 + 26575.424759098896 + 1328.7712379549448, accuracy: 1e-6)
        XCTAssertEqual(info.log2ChunkSpace!, 3 * log2(10.0), accuracy: 1e-12)
        XCTAssertEqual(info.attributes, 4); XCTAssertEqual(info.chunks, 2); XCTAssertEqual(info.diversity, 100)
        XCTAssertEqual(info.chunkLength, 3); XCTAssertEqual(info.alphabet, 10)
    }

    func testBioDExactDiversityBitsForHugeChunkSpaceAgreeWithApproximation() {
        // T^L = 40000^50 overflows every integer type; with D ≪ T^L the exact and approximate terms
        // differ by log2 D! − D·log2 D ≈ −D·log2 e per attribute (Stirling).
        let c = BioDConfig(people: 10, attributes: 2, chunks: 1, diversity: 1000, chunkLength: 50, alphabet: 40000)
        let info = informationContent(of: .bioD(c))
        let stirling = 2 * (lgamma(1001) / M_LN2 - 1000 * log2(1000.0))
        XCTAssertEqual(info.diversityBitsExact - info.diversityBits, -stirling, accuracy: 1e-3)
    }

    func testCalibrationBioDHoldsValueAndNameBits() {
        // science.md calibration: K = 6, C = L = 1, D = T = 256, 40·40·100 names, N = 1000:
        // 8 bits per value, no diversity bits (D = T^L).
        var c = BioDConfig(people: 1000, attributes: 6, diversity: 256, alphabet: 256)
        c.firstNames = 40; c.middleNames = 40; c.lastNames = 100
        let info = informationContent(of: .bioD(c))
        XCTAssertEqual(info.nameBits, 7321.928094887363, accuracy: 1e-6)
        XCTAssertEqual(info.valueBits, 48000, accuracy: 1e-9)
        XCTAssertEqual(info.diversityBits, 0, accuracy: 1e-12)
    }

    func testRandomInformationContentIsNSLog2V() {
        let info = informationContent(of: .random(RandomConfig(sequences: 100, length: 64, vocabulary: 2048)))
        XCTAssertEqual(info.valueBits, 100 * 64 * 11, accuracy: 1e-9)
        XCTAssertEqual(info.total, 70400, accuracy: 1e-9)
        XCTAssertEqual(info.nameBits, 0); XCTAssertEqual(info.sequenceLength, 64); XCTAssertEqual(info.vocabulary, 2048)
    }

    func testDatasetReportsAttributeValueCounts() throws {
        let d = try Dataset(spec: .bioS(smallBioS(10)), seed: 1)
        XCTAssertEqual(d.attributeNames, ["birth date", "birth city", "university", "major", "employer", "gender"])
        XCTAssertEqual(d.attributeValueCounts, [67200, 200, 300, 100, 263, 2])
        XCTAssertEqual(d.attributeLog2ValueCounts.reduce(0, +), d.information.log2ValueSpace, accuracy: 1e-9)
        let b = try Dataset(spec: .bioD(BioDConfig(people: 10, attributes: 3, chunks: 2, diversity: 5, alphabet: 7)), seed: 1)
        XCTAssertEqual(b.attributeNames, ["ID 1", "ID 2", "ID 3"])
        XCTAssertEqual(b.attributeValueCounts, [25, 25, 25])
    }
}
