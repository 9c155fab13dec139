import Foundation
import XCTest
@testable import Biographies

/// What every dataset kind provides (`DatasetKind`), checked the same way for each kind, so a new
/// kind that leaves a piece out fails here.
final class DatasetKindTests: XCTestCase {
    /// One non-default config of each kind (every optional field moved off its default).
    let specs: [DatasetSpec] = {
        var s = BioSConfig(people: 30)
        s.firstNames = 7; s.middleNames = 6; s.lastNames = 5; s.birthYears = 4; s.birthCities = 3
        s.universities = 3; s.majors = 2; s.employers = 2; s.templatesPerAttribute = 2; s.simple = true
        var d = BioDConfig(people: 20, attributes: 3, chunks: 2, diversity: 5, chunkLength: 2, alphabet: 4)
        d.firstNames = 5; d.middleNames = 4; d.lastNames = 3
        return [.bioS(s), .bioD(d), .random(RandomConfig(sequences: 9, length: 5, vocabulary: 7))]
    }()

    func testEveryKindIsRegisteredAndRoundTripsThroughJSON() throws {
        XCTAssertEqual(DatasetSpec.kinds.map { $0.kindName }, specs.map(\.kindName), "one registered kind per case, in order")
        for spec in specs {
            let data = try JSONEncoder().encode(spec)
            let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            XCTAssertEqual(object["kind"] as? String, spec.kindName)
            XCTAssertEqual(try JSONDecoder().decode(DatasetSpec.self, from: data), spec, spec.kindName)
            XCTAssertEqual(spec.kind.spec, spec, "\(spec.kindName): the kind's spec is the spec")
        }
        let bad = Data(#"{"kind": "bioX", "people": 3}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(DatasetSpec.self, from: bad)) { error in
            XCTAssertTrue("\(error)".contains(#"expected "bioS", "bioD" or "random", found "bioX""#), "\(error)")
        }
    }

    /// A run key names every field of a kind that is not at its default by the kind's own
    /// abbreviation: each encoded field (N aside) has one, and `atDefaults` moves exactly the
    /// optional fields back (the required ones are always in the key).
    func testEveryFieldHasAKeyAbbreviationAndAtDefaultsKeepsTheRequiredOnes() throws {
        for spec in specs {
            let kind = spec.kind, type = type(of: kind)
            let fields = Set((try JSONSerialization.jsonObject(with: JSONEncoder().encode(spec)) as! [String: Any]).keys)
                .subtracting(["kind", "people", "sequences"])
            let abbreviated = Set(type.keyAbbreviations.map(\.field))
            XCTAssertEqual(abbreviated, fields, "\(spec.kindName): one abbreviation per field")
            XCTAssertTrue(type.requiredFields.isSubset(of: fields), spec.kindName)
            let own = try JSONSerialization.jsonObject(with: JSONEncoder().encode(spec)) as! [String: AnyHashable]
            let defaults = try JSONSerialization.jsonObject(with: JSONEncoder().encode(kind.atDefaults.spec)) as! [String: AnyHashable]
            for field in fields {
                if type.requiredFields.contains(field) {
                    XCTAssertEqual(own[field], defaults[field], "\(spec.kindName).\(field) is required: atDefaults keeps it")
                } else {
                    XCTAssertNotEqual(own[field], defaults[field], "\(spec.kindName).\(field) is optional: atDefaults resets it")
                }
            }
            XCTAssertEqual(kind.atDefaults.people, spec.people)
        }
    }

    /// The per-kind facts a dataset reports come from its kind: attributes and their counts
    /// agree with the information content, and the kind's flags with the spans it renders.
    func testADatasetReportsItsKindsAttributesAndSpans() throws {
        for spec in specs {
            let d = try Dataset(spec: spec, seed: 5)
            XCTAssertEqual(d.attributeNames, spec.kind.attributeNames)
            XCTAssertEqual(d.attributeNames.count, d.attributeLog2ValueCounts.count)
            XCTAssertEqual(d.attributeLog2ValueCounts.reduce(0, +), d.information.log2ValueSpace, accuracy: 1e-9, spec.kindName)
            XCTAssertEqual(d.personCount, spec.people)
            let r = d.evaluationRendering(person: 0, sample: 0, seed: 1)
            XCTAssertEqual(r.valueSpans.count, d.attributeNames.count)
            XCTAssertEqual(!r.nameSpan.isEmpty, spec.hasNames, spec.kindName)
            XCTAssertEqual(!r.firstChunkSpans.isEmpty, spec.hasChunks, spec.kindName)
            XCTAssertEqual(d.name(of: 0).isEmpty, !spec.hasNames, spec.kindName)
            XCTAssertEqual(d.valueStrings(of: 0).count, d.attributeNames.count)
        }
    }
}
