import Kernels
import Coding

/// JSON decoding of dataset specs: absent fields take their defaults; present fields must have
/// the right type (the decoder's error then names the key path).

extension BioSConfig {
    enum CodingKeys: String, CodingKey {
        case people, firstNames, middleNames, lastNames, birthYears, birthCities, universities
        case majors, employers, templatesPerAttribute, simple
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var s = BioSConfig(people: try c.decode(Int.self, forKey: .people))
        s.firstNames = try c.decode(.firstNames, default: s.firstNames)
        s.middleNames = try c.decode(.middleNames, default: s.middleNames)
        s.lastNames = try c.decode(.lastNames, default: s.lastNames)
        s.birthYears = try c.decode(.birthYears, default: s.birthYears)
        s.birthCities = try c.decode(.birthCities, default: s.birthCities)
        s.universities = try c.decode(.universities, default: s.universities)
        s.majors = try c.decode(.majors, default: s.majors)
        s.employers = try c.decode(.employers, default: s.employers)
        s.templatesPerAttribute = try c.decode(.templatesPerAttribute, default: s.templatesPerAttribute)
        s.simple = try c.decode(.simple, default: s.simple)
        self = s
    }
}

extension BioDConfig {
    enum CodingKeys: String, CodingKey {
        case people, attributes, chunks, diversity, chunkLength, alphabet, firstNames, middleNames, lastNames
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var s = BioDConfig(people: try c.decode(Int.self, forKey: .people),
                           attributes: try c.decode(Int.self, forKey: .attributes),
                           diversity: try c.decode(Int.self, forKey: .diversity),
                           alphabet: try c.decode(Int.self, forKey: .alphabet))
        s.chunks = try c.decode(.chunks, default: s.chunks)
        s.chunkLength = try c.decode(.chunkLength, default: s.chunkLength)
        s.firstNames = try c.decode(.firstNames, default: s.firstNames)
        s.middleNames = try c.decode(.middleNames, default: s.middleNames)
        s.lastNames = try c.decode(.lastNames, default: s.lastNames)
        self = s
    }
}

extension DatasetSpec: Codable {
    enum KindKey: String, CodingKey { case kind }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: KindKey.self)
        let name = try c.decode(String.self, forKey: .kind)
        guard let kind = DatasetSpec.kinds.first(where: { $0.kindName == name }) else {
            let names = DatasetSpec.kinds.map { "\"\($0.kindName)\"" }
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c,
                debugDescription: "expected \(names.dropLast().joined(separator: ", ")) or \(names.last!), found \"\(name)\"")
        }
        self = try kind.init(from: decoder).spec
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: KindKey.self)
        try c.encode(kindName, forKey: .kind)
        try kind.encode(to: encoder)
    }
}

extension JunkSpec {
    enum CodingKeys: String, CodingKey { case dataset, fraction, freshPeople }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(dataset: try c.decode(DatasetSpec.self, forKey: .dataset),
                  fraction: try c.decode(Double.self, forKey: .fraction),
                  freshPeople: try c.decode(.freshPeople, default: false))
    }
}

extension StreamConfig {
    enum CodingKeys: String, CodingKey { case exposures, contextLength, junk, domainToken }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(exposures: try c.decode(Int.self, forKey: .exposures),
                  contextLength: try c.decode(.contextLength, default: 128),
                  junk: try c.decodeIfPresent(JunkSpec.self, forKey: .junk),
                  domainToken: try c.decode(.domainToken, default: false))
    }
}
