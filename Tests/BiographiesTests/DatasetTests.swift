import Foundation
import Coding
import Kernels
import XCTest
@testable import Biographies

final class DatasetTests: XCTestCase {
    func testNamesAreDistinctInSparseAndDensePools() throws {
        let sparse = try Dataset(spec: .bioS(BioSConfig(people: 50_000)), seed: 3)
        XCTAssertEqual(Set((0..<50_000).map(sparse.name(of:))).count, 50_000)
        // Dense: 9 · 10 · 10 = 900 names, 850 people (partial Fisher-Yates path).
        var c = BioDConfig(people: 850, attributes: 2, diversity: 4, alphabet: 4)
        c.firstNames = 9; c.middleNames = 10; c.lastNames = 10
        let dense = try Dataset(spec: .bioD(c), seed: 3)
        let names = (0..<850).map(dense.name(of:))
        XCTAssertEqual(Set(names).count, 850)
        for n in names {
            let parts = n.split(separator: " ").map(String.init)
            XCTAssertTrue(firstNamePool[0..<9].contains(parts[0]) && middleNamePool[0..<10].contains(parts[1])
                          && lastNamePool[0..<10].contains(parts[2]), n)
        }
    }

    /// Chi-square goodness of fit of each attribute against uniform, seed 11, N = 30,000 people.
    /// Threshold: the 99.9% quantile of χ²(k − 1) (Wilson–Hilferty), so a correct generator fails
    /// with probability 0.001 per attribute; the fixed seed makes the outcome deterministic.
    func testAttributeValuesAreUniformByChiSquare() throws {
        let n = 30_000
        let d = try Dataset(spec: .bioS(BioSConfig(people: n)), seed: 11)
        guard let s = d.store as? BioSStore else { return XCTFail() }
        func check(_ name: String, _ bins: Int, _ values: [Int]) {
            var counts = [Int](repeating: 0, count: bins)
            for v in values { counts[v] += 1 }
            let expected = Double(values.count) / Double(bins)
            let chi2 = counts.reduce(0.0) { $0 + pow(Double($1) - expected, 2) / expected }
            let k = Double(bins - 1), z = 3.0902
            let threshold = k * pow(1 - 2 / (9 * k) + z * (2 / (9 * k)).squareRoot(), 3)
            XCTAssertLessThan(chi2, threshold, "\(name): χ² = \(chi2) over \(bins) bins")
        }
        let p = s.people
        check("month", 12, p.map { Int($0.month) }); check("day", 28, p.map { Int($0.day) })
        check("year", 200, p.map { Int($0.year) }); check("birth city", 200, p.map { Int($0.city) })
        check("university", 300, p.map { Int($0.university) }); check("major", 100, p.map { Int($0.major) })
        check("employer", 263, p.map { Int($0.employer) }); check("gender", 2, p.map { Int($0.gender) })
        let names = p.map { NamePools.parts($0.name) }
        check("first name", 400, names.map(\.first)); check("middle name", 400, names.map(\.middle))
        check("last name", 1000, names.map(\.last))
    }

    func testBioDChunksAreUniformOverTheDiversitySetByChiSquare() throws {
        let n = 20_000
        let d = try Dataset(spec: .bioD(BioDConfig(people: n, attributes: 2, chunks: 3, diversity: 50, chunkLength: 2, alphabet: 10)), seed: 5)
        guard let s = d.store as? BioDStore else { return XCTFail() }
        var counts = [Int](repeating: 0, count: 50)
        for v in s.values { counts[Int(v)] += 1 }
        let expected = Double(s.values.count) / 50
        let chi2 = counts.reduce(0.0) { $0 + pow(Double($1) - expected, 2) / expected }
        XCTAssertLessThan(chi2, 85.35)      // χ²(49) at 99.9%
        // Each attribute's diversity set: D distinct chunks.
        for k in 0..<2 {
            let chunks = (0..<50).map { i in Array(s.chunkSymbols[((k * 50 + i) * 2)..<((k * 50 + i) * 2 + 2)]) }
            XCTAssertEqual(Set(chunks).count, 50)
        }
    }

    func testBioSRenderingsDifferAcrossExposuresButBioSSimpleOnesDoNot() throws {
        let d = try Dataset(spec: .bioS(smallBioS(50)), seed: 2)
        let renders = (0..<20).map { d.rendering(person: 7, exposure: $0, seed: 99).tokens }
        XCTAssertEqual(Set(renders).count, 20)
        XCTAssertNotEqual(d.rendering(person: 7, exposure: 0, seed: 99), d.rendering(person: 7, exposure: 0, seed: 98))
        let simple = try Dataset(spec: .bioS(smallBioS(50, simple: true)), seed: 2)
        let fixed = simple.rendering(person: 7, exposure: 0, seed: 99)
        for e in 1..<20 { XCTAssertEqual(simple.rendering(person: 7, exposure: e, seed: UInt64(e)), fixed) }
        XCTAssertEqual(simple.evaluationRendering(person: 7, sample: 3, seed: 5), fixed)
    }

    func testBioSTextHasSixSentencesFullNameFirstAndPronounsAfter() throws {
        let d = try Dataset(spec: .bioS(BioSConfig(people: 100)), seed: 4)
        let tok = d.tokenizer
        let he = tok.id(of: "He")!, she = tok.id(of: "She")!, period = tok.id(of: ".")!
        for p in 0..<50 {
            let r = d.rendering(person: p, exposure: p, seed: 1)
            XCTAssertEqual(r.nameSpan, 1..<4)
            XCTAssertTrue(d.text(of: r).hasPrefix(d.name(of: p) + " "))
            XCTAssertEqual(r.tokens.last, period)
            // Five later sentences, each opened by the person's pronoun right after a period.
            let pronoun = tok.id(of: d.valueStrings(of: p)[5])!
            let pronounPositions = r.tokens.indices.filter { r.tokens[$0] == he || r.tokens[$0] == she }
            XCTAssertEqual(pronounPositions.count, 5)
            for i in pronounPositions {
                XCTAssertEqual(r.tokens[i], pronoun); XCTAssertEqual(r.tokens[i - 1], period)
            }
            // The work-city sentence comes right after the employer sentence.
            guard let s = d.store as? BioSStore else { return XCTFail() }
            let hq = Array(s.headquarters.ids(Int(s.people[p].employer)))
            let after = Array(r.tokens[r.valueSpans[4].upperBound...])
            let hqStart = (0...(after.count - hq.count)).first { Array(after[$0..<($0 + hq.count)]) == hq }!
            XCTAssertEqual(after[..<hqStart].filter { $0 == he || $0 == she }.count, 1)
        }
    }

    func testSpansDecodeToTheValueStrings() throws {
        let bioS = try Dataset(spec: .bioS(BioSConfig(people: 300)), seed: 8)
        for p in stride(from: 0, to: 300, by: 7) {
            for r in [bioS.rendering(person: p, exposure: 3, seed: 2, domainToken: p % 2 == 0),
                      bioS.evaluationRendering(person: p, sample: 1, seed: 6)] {
                XCTAssertEqual(r.tokens[0], bioS.tokenizer.endOfText)
                XCTAssertEqual(bioS.tokenizer.decode(r.tokens[r.nameSpan]), bioS.name(of: p))
                XCTAssertEqual(r.valueSpans.map { bioS.tokenizer.decode(r.tokens[$0]) }, bioS.valueStrings(of: p))
                // Gender is one token: the first token after the first sentence's period.
                let g = r.valueSpans[5]
                XCTAssertEqual(g.count, 1)
                XCTAssertEqual(bioS.tokenizer.vocabulary[Int(r.tokens[g.lowerBound - 1])], ".")
                let pronouns: Set<Int32> = [bioS.tokenizer.id(of: "He")!, bioS.tokenizer.id(of: "She")!]
                XCTAssertEqual(r.tokens.firstIndex(where: pronouns.contains), g.lowerBound)
            }
        }
        let bioD = try Dataset(spec: .bioD(BioDConfig(people: 100, attributes: 5, chunks: 3, diversity: 20, chunkLength: 2, alphabet: 9)), seed: 8)
        for p in 0..<100 {
            for r in [bioD.rendering(person: p, exposure: 1, seed: 3), bioD.evaluationRendering(person: p, sample: 0, seed: 0)] {
                XCTAssertEqual(bioD.tokenizer.decode(r.tokens[r.nameSpan]), bioD.name(of: p))
                let values = bioD.valueStrings(of: p)
                XCTAssertEqual(r.valueSpans.map { bioD.tokenizer.decode(r.tokens[$0]) }, values)
                for k in 0..<5 {
                    XCTAssertEqual(r.firstChunkSpans[k].lowerBound, r.valueSpans[k].lowerBound)
                    XCTAssertEqual(r.firstChunkSpans[k].count, 2)
                    XCTAssertEqual(bioD.tokenizer.decode(r.tokens[r.firstChunkSpans[k]]),
                                   values[k].split(separator: " ").prefix(2).joined(separator: " "))
                }
                XCTAssertEqual(r.tokens.count, 1 + 3 + 5 * (2 + 6))
            }
        }
        // Canonical order for evaluation: ID 1 ... ID K in sequence.
        let canon = bioD.evaluationRendering(person: 0, sample: 0, seed: 0)
        XCTAssertEqual(canon.valueSpans.map(\.lowerBound), canon.valueSpans.map(\.lowerBound).sorted())
        let random = try Dataset(spec: .random(RandomConfig(sequences: 10, length: 16, vocabulary: 50)), seed: 8)
        let r = random.evaluationRendering(person: 4, sample: 0, seed: 0, domainToken: true)
        XCTAssertEqual(r.tokens.count, 18); XCTAssertEqual(r.tokens[1], random.tokenizer.domainToken)
        XCTAssertEqual(r.valueSpans, [2..<18]); XCTAssertEqual(r.nameSpan.count, 0)
        XCTAssertEqual(random.tokenizer.decode(r.tokens[r.valueSpans[0]]), random.valueStrings(of: 4)[0])
    }

    func testCalibrationBioDBiographyIs22Tokens() throws {
        var c = BioDConfig(people: 100, attributes: 6, diversity: 256, alphabet: 256)
        c.firstNames = 40; c.middleNames = 40; c.lastNames = 100
        let d = try Dataset(spec: .bioD(c), seed: 1)
        XCTAssertEqual(d.rendering(person: 0, exposure: 0, seed: 0).tokens.count, 22)
    }

    func testLengthWithoutRenderingMatchesRendering() throws {
        let d = try Dataset(spec: .bioS(BioSConfig(people: 50)), seed: 1)
        for p in 0..<50 {
            for e in 0..<5 {
                for domain in [false, true] {
                    XCTAssertEqual(d.length(.stored(p), exposure: e, renderSeed: 9, domain: domain),
                                   d.rendering(person: p, exposure: e, seed: 9, domainToken: domain).tokens.count)
                }
            }
        }
    }

    func testSameSeedSameDataDifferentSeedDifferentData() throws {
        let spec = DatasetSpec.bioS(smallBioS(200))
        let a = try Dataset(spec: spec, seed: 1), b = try Dataset(spec: spec, seed: 1), c = try Dataset(spec: spec, seed: 2)
        let people = { (d: Dataset) in (0..<200).map { d.name(of: $0) + d.valueStrings(of: $0).joined() } }
        XCTAssertEqual(people(a), people(b))
        XCTAssertNotEqual(people(a), people(c))
        XCTAssertEqual(a.tokenizer, c.tokenizer)           // the vocabulary never depends on the seed
    }

    func testVocabularyDependsOnTheConfigNotOnNSoJunkSharesIds() throws {
        let useful = try Dataset(spec: .bioS(BioSConfig(people: 100)), seed: 1)
        let junk = try Dataset(spec: .bioS(BioSConfig(people: 5000)), seed: 2)
        XCTAssertEqual(useful.tokenizer, junk.tokenizer)
        // Different configs share ids once the useful vocabulary covers the junk spec.
        let junkSpec = DatasetSpec.bioD(BioDConfig(people: 10, attributes: 2, diversity: 3, alphabet: 3))
        let stream = StreamConfig(exposures: 1, contextLength: 32, junk: JunkSpec(dataset: junkSpec, fraction: 0.5))
        let u = try Dataset(spec: .bioS(smallBioS(10)), seed: 1, stream: stream)
        let j = try Dataset(junk: junkSpec, seed: 3, sharingVocabularyWith: u, freshPeople: false)
        XCTAssertEqual(u.tokenizer, j.tokenizer)
        XCTAssertNotNil(u.tokenizer.id(of: "ID2"))
    }

    func testUsedTokenIDsAreExactlyTheTokensOfTheRenderings() throws {
        let simple = try Dataset(spec: .bioS(smallBioS(30, simple: true)), seed: 1)
        var seen = Set<Int32>()
        for p in 0..<30 { seen.formUnion(simple.rendering(person: p, exposure: 0, seed: 0).tokens) }
        XCTAssertEqual(simple.usedTokenIDs, seen.sorted())
        let bioD = try Dataset(spec: .bioD(BioDConfig(people: 40, attributes: 3, diversity: 5, chunkLength: 2, alphabet: 100)), seed: 1)
        seen = []
        for p in 0..<40 { seen.formUnion(bioD.rendering(person: p, exposure: 0, seed: 0).tokens) }
        XCTAssertEqual(bioD.usedTokenIDs, seen.sorted())
        XCTAssertLessThan(bioD.usedTokenIDs.count, bioD.tokenizer.count)
        // bioS: renderings only ever use listed tokens, and many renderings cover all template words.
        let bioS = try Dataset(spec: .bioS(smallBioS(30)), seed: 1)
        seen = []
        for p in 0..<30 { for e in 0..<200 { seen.formUnion(bioS.rendering(person: p, exposure: e, seed: 0).tokens) } }
        XCTAssertEqual(bioS.usedTokenIDs, seen.sorted())
    }

    func testBadSpecsFailWithAMessageNamingTheParameter() throws {
        var small = smallBioS(20_001)                                   // N0 = 20,000
        let m1 = assertSpecError("bioS.people") { _ = try Dataset(spec: .bioS(small), seed: 0) }
        XCTAssertEqual(m1, "bioS.people: expected at most firstNames × middleNames × lastNames = 20000 people (names are distinct), found 20001")
        small.people = 10; small.firstNames = 401
        assertSpecError("bioS.firstNames") { _ = try Dataset(spec: .bioS(small), seed: 0) }
        small.firstNames = 20; small.templatesPerAttribute = 51
        assertSpecError("bioS.templatesPerAttribute") { _ = try Dataset(spec: .bioS(small), seed: 0) }
        small.templatesPerAttribute = 0
        assertSpecError("bioS.templatesPerAttribute") { _ = try Dataset(spec: .bioS(small), seed: 0) }
        let m2 = assertSpecError("bioD.diversity") {
            _ = try Dataset(spec: .bioD(BioDConfig(people: 10, attributes: 2, chunks: 1, diversity: 300, chunkLength: 2, alphabet: 16)), seed: 0)
        }
        XCTAssertEqual(m2, "bioD.diversity: expected at most alphabet^chunkLength = 256 distinct chunks, found 300")
        assertSpecError("bioD.attributes") { _ = try Dataset(spec: .bioD(BioDConfig(people: 10, attributes: 0, diversity: 2, alphabet: 2)), seed: 0) }
        assertSpecError("random.length") { _ = try Dataset(spec: .random(RandomConfig(sequences: 1, length: 0, vocabulary: 2)), seed: 0) }

        let d = try Dataset(spec: .bioS(smallBioS(10)), seed: 0)
        let m3 = assertSpecError("stream.exposures") {
            _ = try TokenStream(dataset: d, config: StreamConfig(exposures: 0, contextLength: 64), seed: 0)
        }
        XCTAssertEqual(m3, "stream.exposures: expected a positive integer, found 0")
        for f in [1.0, -0.1, Double.nan] {
            let config = StreamConfig(exposures: 1, contextLength: 64, junk: JunkSpec(dataset: .bioS(smallBioS(5)), fraction: f))
            assertSpecError("stream.junk.fraction") { _ = try TokenStream(dataset: d, config: config, seed: 0) }
        }
        let badJunk = StreamConfig(exposures: 1, contextLength: 64, junk: JunkSpec(dataset: .bioS(smallBioS(0)), fraction: 0.5))
        assertSpecError("stream.junk.dataset.bioS.people") { _ = try TokenStream(dataset: d, config: badJunk, seed: 0) }
        // Repetitive junk needs N′ names outside the useful people.
        let full = StreamConfig(exposures: 1, contextLength: 64, junk: JunkSpec(dataset: .bioS(smallBioS(19_995)), fraction: 0.5))
        assertSpecError("stream.junk.dataset.bioS.people") { _ = try TokenStream(dataset: d, config: full, seed: 0) }
        // Junk words outside the useful vocabulary.
        let otherJunk = StreamConfig(exposures: 1, contextLength: 64,
                                     junk: JunkSpec(dataset: .random(RandomConfig(sequences: 2, length: 3, vocabulary: 4)), fraction: 0.5))
        assertSpecError("stream.junk.dataset") { _ = try TokenStream(dataset: d, config: otherJunk, seed: 0) }
    }
}
