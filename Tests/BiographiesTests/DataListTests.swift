import XCTest
@testable import Biographies

/// The hand-written lists and templates keep the rules that make summed value losses measure knowledge.
final class DataListTests: XCTestCase {
    func testPoolsHaveThePaperSizesAndDistinctEntries() {
        XCTAssertEqual(firstNamePool.count, 400); XCTAssertEqual(middleNamePool.count, 400)
        XCTAssertEqual(lastNamePool.count, 1000); XCTAssertEqual(birthCityPool.count, 200)
        XCTAssertEqual(universityPool.count, 300); XCTAssertEqual(majorPool.count, 100)
        XCTAssertEqual(employerPool.count, 263)
        for list in [firstNamePool, middleNamePool, lastNamePool, birthCityPool, universityPool, majorPool,
                     employerPool.map(\.name)] {
            XCTAssertEqual(Set(list).count, list.count, "duplicate in \(list.prefix(3))")
        }
        XCTAssertTrue(Set(firstNamePool).isDisjoint(with: middleNamePool))
    }

    func testNamePartsAreSingleTokens() {
        for name in firstNamePool + middleNamePool + lastNamePool {
            XCTAssertEqual(Tokenizer.split(name), [name])
        }
    }

    func testEveryValueRoundTripsThroughTheTokenizer() {
        let values = birthCityPool + universityPool + majorPool + employerPool.map(\.name) + employerPool.map(\.headquarters)
        for v in values { XCTAssertEqual(Tokenizer.join(Tokenizer.split(v)), v) }
        XCTAssertEqual(Tokenizer.split("Princeton, NJ"), ["Princeton", ",", "NJ"])
        XCTAssertEqual(Tokenizer.split("Lowe's"), ["Lowe", "'s"])
        XCTAssertEqual(Tokenizer.split("Texas A&M University"), ["Texas", "A&M", "University"])
    }

    func testValuesArePrefixFreeAtTheTokenLevel() {
        // A value whose tokens start another value's would get credit for both.
        for list in [birthCityPool, universityPool, majorPool, employerPool.map(\.name),
                     Array(Set(employerPool.map(\.headquarters)))] {
            let tokens = list.map(Tokenizer.split)
            for a in tokens {
                for b in tokens where a.count < b.count {
                    XCTAssertNotEqual(Array(b[0..<a.count]), a, "\(a) is a prefix of \(b)")
                }
            }
        }
    }

    func testFiftyTemplatesPerAttributeStartingWithTheSubjectAndNoOtherGenderedWord() {
        XCTAssertEqual(bioSTemplateLists.count, 6)
        let gendered: Set<String> = ["he", "she", "his", "her", "him", "hers", "himself", "herself"]
        for list in bioSTemplateLists {
            XCTAssertEqual(list.count, 50)
            XCTAssertEqual(Set(list).count, 50)
            for t in list {
                XCTAssertTrue(t.hasPrefix("{S} "), t)
                XCTAssertEqual(t.components(separatedBy: "{V}").count, 2, t)
                XCTAssertFalse(t.dropFirst(3).contains("{S}"), t)
                let words = Tokenizer.split(t.replacingOccurrences(of: "{V}", with: " ")).map { $0.lowercased() }
                XCTAssertTrue(gendered.isDisjoint(with: words), t)
            }
        }
    }

    func testTemplatePrefixesArePrefixFreeAndIdentifyTheAttribute() {
        // At a value's first token the context must say which attribute comes and that it starts now.
        var prefixes: [(words: [String], attribute: Int, template: String)] = []
        for (a, list) in bioSTemplateLists.enumerated() {
            for t in list {
                let before = String(t.dropFirst(4).components(separatedBy: "{V}")[0])
                prefixes.append((Tokenizer.split(before), a, t))
            }
        }
        for p in prefixes {
            for q in prefixes where p.template != q.template {
                if p.words == q.words { XCTAssertEqual(p.attribute, q.attribute, "\(p.template) | \(q.template)") }
                if p.words.count < q.words.count {
                    XCTAssertNotEqual(Array(q.words[0..<p.words.count]), p.words, "\(p.template) | \(q.template)")
                }
            }
        }
    }

    func testTokenizerReservesSpecialIdsAndDecodesWhatItEncodes() throws {
        let tok = Tokenizer(words: ["b", "a", ",", "a"])
        XCTAssertEqual(tok.vocabulary, [Tokenizer.endOfTextString, Tokenizer.domainString, ",", "a", "b"])
        XCTAssertEqual(tok.endOfText, 0); XCTAssertEqual(tok.domainToken, 1)
        XCTAssertEqual(tok.encode("a, b"), [3, 2, 4])
        XCTAssertEqual(tok.decode([3, 2, 4]), "a, b")
        XCTAssertNil(tok.encode("c"))
    }

    func testDefaultBioSVocabularySize() throws {
        let d = try Dataset(spec: .bioS(BioSConfig(people: 1000)), seed: 0)
        // Specials + every word of the pools, values and templates.
        XCTAssertEqual(d.tokenizer.count, BioSConfig(people: 1).words.count + 2)
        print("default bioS vocabulary: \(d.tokenizer.count) tokens; bioS(1000) uses \(d.usedTokenIDs.count)")
        XCTAssertGreaterThan(d.tokenizer.count, 3000)
    }
}
