import Foundation
import Kernels
import Coding

/// bioS(N): people with distinct first·middle·last names and six rendered attributes (birth date,
/// birth city, university, major, employer, work city) plus gender, each drawn independently and
/// uniformly; the work city is the employer's headquarters. A biography is six sentences from the
/// attribute templates: the full name opens the first sentence, He/She opens every later one.
/// The employer sentence is always directly followed by its work-city sentence, and the five
/// units (date, city, university, major, employer+work city) are shuffled: a work city rendered
/// before its employer would hand the model part of the employer for free.

/// The birth-year range ends in 2024: years = (2025 − birthYears) ..< 2025.
let lastBirthYear = 2024

/// One bioS person: name code and value indices (0-based).
struct BioSPerson: Hashable, Sendable {
    var name: UInt32
    var month: UInt8          // 0..<12
    var day: UInt8            // 0..<28 (day of month = day + 1)
    var year: UInt16          // 0..<birthYears (year = first birth year + year)
    var city: UInt16, university: UInt16, major: UInt16, employer: UInt16
    var gender: UInt8         // 0 = He, 1 = She

    /// The attributes of a person, drawn in a fixed order from `rng` (the name is drawn by the caller).
    init(name: UInt32, _ c: BioSConfig, _ rng: inout SeededGenerator) {
        self.name = name
        month = UInt8(rng.nextInt(below: 12)); day = UInt8(rng.nextInt(below: 28))
        year = UInt16(rng.nextInt(below: c.birthYears))
        city = UInt16(rng.nextInt(below: c.birthCities))
        university = UInt16(rng.nextInt(below: c.universities))
        major = UInt16(rng.nextInt(below: c.majors))
        employer = UInt16(rng.nextInt(below: c.employers))
        gender = UInt8(rng.nextInt(below: 2))
    }
    /// Index of the birth date among the 12·28·years dates.
    func dateIndex(years: Int) -> Int { (Int(month) * 28 + Int(day)) * years + Int(year) }
}

/// A template as token ids: subject, `prefix`, value, `suffix` (every template starts with {S}).
struct TemplateTokens: Sendable {
    let prefix: [Int32], suffix: [Int32]
    init(_ template: String, _ tokenizer: Tokenizer) throws {
        precondition(template.hasPrefix("{S} "), "templates start with the subject")
        let parts = template.dropFirst(4).components(separatedBy: "{V}")
        precondition(parts.count == 2, "one value slot per template")
        guard let p = tokenizer.encode(parts[0]), let s = tokenizer.encode(parts[1]) else {
            throw SpecError("vocabulary", "template \"\(template)\" has words outside the shared vocabulary")
        }
        prefix = p; suffix = s
    }
    var length: Int { prefix.count + suffix.count }
}

/// The template lists in rendered-attribute order: date, city, university, major, employer, work city.
let bioSTemplateLists: [[String]] = [
    birthDateTemplates, birthCityTemplates, universityTemplates, majorTemplates,
    employerTemplates, workCityTemplates,
]

extension BioSConfig {
    /// The pools names are drawn from.
    var pools: NamePools { NamePools(first: firstNames, middle: middleNames, last: lastNames) }
    var firstBirthYear: Int { lastBirthYear + 1 - birthYears }

    /// Throws a `SpecError` naming the first invalid field (prefix: the key path of this config).
    public func validate(_ prefix: String) throws {
        try requireCount(firstNames, prefix + "firstNames", atMost: firstNamePool.count, what: "first names")
        try requireCount(middleNames, prefix + "middleNames", atMost: middleNamePool.count, what: "middle names")
        try requireCount(lastNames, prefix + "lastNames", atMost: lastNamePool.count, what: "last names")
        try requireCount(birthYears, prefix + "birthYears", atMost: 2000, what: "years")
        try requireCount(birthCities, prefix + "birthCities", atMost: birthCityPool.count, what: "birth cities")
        try requireCount(universities, prefix + "universities", atMost: universityPool.count, what: "universities")
        try requireCount(majors, prefix + "majors", atMost: majorPool.count, what: "majors")
        try requireCount(employers, prefix + "employers", atMost: employerPool.count, what: "employers")
        try requireCount(templatesPerAttribute, prefix + "templatesPerAttribute",
                         atMost: bioSTemplateLists.map(\.count).min()!, what: "templates per attribute")
        try requireCount(people, prefix + "people")
        try pools.requireDistinctNames(people, prefix + "people")
    }

    /// Every word a bioS of this config can render.
    var words: Set<String> {
        var w = Set(pools.words)
        w.formUnion(["He", "She", ","]); w.formUnion(monthNames)
        w.formUnion((1...28).map(String.init)); w.formUnion((0..<birthYears).map { String(firstBirthYear + $0) })
        for s in birthCityPool[0..<birthCities] { w.formUnion(Tokenizer.split(s)) }
        for s in universityPool[0..<universities] { w.formUnion(Tokenizer.split(s)) }
        for s in majorPool[0..<majors] { w.formUnion(Tokenizer.split(s)) }
        for e in employerPool[0..<employers] {
            w.formUnion(Tokenizer.split(e.name)); w.formUnion(Tokenizer.split(e.headquarters))
        }
        for list in bioSTemplateLists {
            for t in list[0..<templatesPerAttribute] {
                w.formUnion(Tokenizer.split(t.replacingOccurrences(of: "{S}", with: "").replacingOccurrences(of: "{V}", with: "")))
            }
        }
        return w
    }
}

/// A bioS dataset: its people and the token tables that render them. Owns its memory; `view`
/// is the raw-pointer form the hot loop renders from.
final class BioSStore: Sendable {
    let config: BioSConfig
    let simpleSeed: UInt64                   // bioS-simple: layout seed of person p = deriveSeed(simpleSeed, p)
    private let peopleStorage: Frozen<BioSPerson>
    private let excludedStorage: Frozen<UInt32>   // sorted names a fresh person must avoid
    private let arena: Frozen<Int32>
    let view: BioSView
    // Array forms of the tables, for code off the hot path.
    let names: NameTokens
    let months: [Int32], days: [Int32], years: [Int32], comma: Int32, he: Int32, she: Int32
    let cities: TokenTable, universities: TokenTable, majors: TokenTable
    let employers: TokenTable, headquarters: TokenTable
    let templates: [[TemplateTokens]]        // [6 rendered attributes][templatesPerAttribute]

    var people: UnsafeBufferPointer<BioSPerson> { peopleStorage.buffer }

    init(_ c: BioSConfig, seed: UInt64, tokenizer: Tokenizer, excluding: Set<UInt32>, storePeople: Bool) throws {
        config = c
        simpleSeed = deriveSeed(seed, "bioS simple layout")
        var people: [BioSPerson] = []
        if storePeople {
            var nameRNG = SeededGenerator(seed: deriveSeed(seed, "bioS names"))
            let codes = c.pools.drawDistinct(c.people, excluding: excluding, &nameRNG)
            let attributeSeed = deriveSeed(seed, "bioS attributes")
            people = codes.enumerated().map { p, code in
                var rng = SeededGenerator(seed: deriveSeed(attributeSeed, UInt64(p)))
                return BioSPerson(name: code, c, &rng)
            }
        }
        peopleStorage = Frozen(people)
        excludedStorage = Frozen(excluding.sorted())
        names = try NameTokens(c.pools, tokenizer)
        months = try monthNames.map { try tokenID($0, tokenizer) }
        days = try (1...28).map { try tokenID(String($0), tokenizer) }
        years = try (0..<c.birthYears).map { try tokenID(String(c.firstBirthYear + $0), tokenizer) }
        comma = try tokenID(",", tokenizer); he = try tokenID("He", tokenizer); she = try tokenID("She", tokenizer)
        cities = try TokenTable(Array(birthCityPool[0..<c.birthCities]), tokenizer)
        universities = try TokenTable(Array(universityPool[0..<c.universities]), tokenizer)
        majors = try TokenTable(Array(majorPool[0..<c.majors]), tokenizer)
        employers = try TokenTable(employerPool[0..<c.employers].map(\.name), tokenizer)
        headquarters = try TokenTable(employerPool[0..<c.employers].map(\.headquarters), tokenizer)
        templates = try bioSTemplateLists.map { list in
            try list[0..<c.templatesPerAttribute].map { try TemplateTokens($0, tokenizer) }
        }

        // One arena for every table; the view addresses it by pointer.
        var b = ArenaBuilder()
        let first = b.add(names.first), middle = b.add(names.middle), last = b.add(names.last)
        let mo = b.add(months), da = b.add(days), ye = b.add(years)
        let tables = [cities, universities, majors, employers, headquarters].map { b.add($0) }
        var descriptors: [Int32] = []                       // per (attribute, template): 4 positions
        for list in templates {
            for t in list {
                let p = b.add(t.prefix), s = b.add(t.suffix)
                descriptors += [Int32(p), Int32(p + t.prefix.count), Int32(s), Int32(s + t.suffix.count)]
            }
        }
        let desc = b.add(descriptors)
        arena = Frozen(b.ints)
        let base = UnsafePointer(arena.base)
        func table(_ i: Int) -> TableView { TableView(tokens: base + tables[i].tokens, offsets: base + tables[i].offsets) }
        view = BioSView(people: UnsafePointer(peopleStorage.base),
                        excluded: SortedCodes(codes: UnsafePointer(excludedStorage.base), count: excludedStorage.count),
                        pools: c.pools, config: c,
                        first: base + first, middle: base + middle, last: base + last,
                        months: base + mo, days: base + da, years: base + ye,
                        comma: comma, he: he, she: she,
                        cities: table(0), universities: table(1), majors: table(2), employers: table(3), headquarters: table(4),
                        arena: base, templates: base + desc, templatesPerAttribute: c.templatesPerAttribute)
    }

    /// The strings of a person's counted values, in attribute order (gender as "He"/"She").
    func valueStrings(_ p: BioSPerson) -> [String] {
        ["\(monthNames[Int(p.month)]) \(Int(p.day) + 1), \(config.firstBirthYear + Int(p.year))",
         birthCityPool[Int(p.city)], universityPool[Int(p.university)], majorPool[Int(p.major)],
         employerPool[Int(p.employer)].name, p.gender == 0 ? "He" : "She"]
    }

}

/// Raw-pointer view of a `BioSStore` (a trivial value: copying it costs no reference counting).
/// Valid while its store is alive.
struct BioSView: @unchecked Sendable {   // read-only pointers into memory its store owns
    let people: UnsafePointer<BioSPerson>
    let excluded: SortedCodes
    let pools: NamePools
    let config: BioSConfig
    let first: UnsafePointer<Int32>, middle: UnsafePointer<Int32>, last: UnsafePointer<Int32>
    let months: UnsafePointer<Int32>, days: UnsafePointer<Int32>, years: UnsafePointer<Int32>
    let comma: Int32, he: Int32, she: Int32
    let cities: TableView, universities: TableView, majors: TableView, employers: TableView, headquarters: TableView
    let arena: UnsafePointer<Int32>
    let templates: UnsafePointer<Int32>      // [6 × k × 4]: prefix start, end, suffix start, end (arena positions)
    let templatesPerAttribute: Int

    /// A fresh person (noise junk) fully determined by `seed`, named outside `excluded`.
    @inline(__always)
    /// A stored person, or the fresh (noise-junk) person a seed derives.
    func person(_ who: Who) -> BioSPerson {
        switch who {
        case .stored(let p): return people[p]
        case .fresh(let seed): return freshPerson(seed)
        }
    }

    func freshPerson(_ seed: UInt64) -> BioSPerson {
        var rng = SeededGenerator(seed: seed)
        var name = pools.draw(&rng)
        while excluded.contains(name) { name = pools.draw(&rng) }
        return BioSPerson(name: name, config, &rng)
    }

    /// Template choice per rendered attribute: six draws, the first thing a layout generator yields.
    @inline(__always)
    func drawTemplates(_ rng: inout SeededGenerator) -> InlineArray<6, Int> {
        var t = InlineArray<6, Int>(repeating: 0)
        for a in 0..<6 { t[a] = rng.nextInt(below: templatesPerAttribute) }
        return t
    }

    @inline(__always)
    private func descriptor(_ a: Int, _ t: Int) -> UnsafePointer<Int32> { templates + 4 * (a * templatesPerAttribute + t) }

    /// Tokens of one biography (end-of-text and domain token included) without rendering it.
    func length(_ person: BioSPerson, layoutSeed: UInt64, domain: Bool) -> Int {
        var rng = SeededGenerator(seed: layoutSeed)
        let t = drawTemplates(&rng)
        var n = 1 + (domain ? 1 : 0) + 3 + 5 + 4       // EOS, name, five pronouns, date (month d , year)
        for a in 0..<6 {
            let d = descriptor(a, t[a])
            n += Int(d[1] - d[0] + d[3] - d[2])
        }
        n += cities.length(Int(person.city)) + universities.length(Int(person.university))
        n += majors.length(Int(person.major)) + employers.length(Int(person.employer))
        n += headquarters.length(Int(person.employer))
        return n
    }

    /// Appends one biography: EOS, optional domain token, then the six sentences in the layout
    /// drawn from `layoutSeed` (templates first, then the order of the five units).
    /// Spans (when recorded): name; values of date, city, university, major, employer; gender = the
    /// pronoun opening the second sentence.
    func render(_ person: BioSPerson, layoutSeed: UInt64, domain: Bool, eos: Int32, domainToken: Int32,
                into out: inout [Int32], spans: inout SpanSink) {
        var rng = SeededGenerator(seed: layoutSeed)
        let t = drawTemplates(&rng)
        var order = InlineArray<5, Int>(repeating: 0)
        for i in 0..<5 { order[i] = i }
        for i in stride(from: 4, to: 0, by: -1) {
            let j = rng.nextInt(below: i + 1)
            if i != j { let x = order[i]; order[i] = order[j]; order[j] = x }
        }
        out.append(eos)
        if domain { out.append(domainToken) }
        var sentence = 0
        for u in 0..<5 {
            let unit = order[u]
            sentenceOf(unit, t[unit], person, &sentence, &out, &spans)
            if unit == 4 { sentenceOf(5, t[5], person, &sentence, &out, &spans) }
        }
    }

    @inline(__always)
    private func sentenceOf(_ a: Int, _ template: Int, _ p: BioSPerson, _ sentence: inout Int,
                            _ out: inout [Int32], _ spans: inout SpanSink) {
        let d = descriptor(a, template)
        if sentence == 0 {
            let start = out.count
            let parts = NamePools.parts(p.name)
            out.append(first[parts.first]); out.append(middle[parts.middle]); out.append(last[parts.last])
            if spans.record { spans.name = start..<out.count }
        } else {
            if sentence == 1 && spans.record { spans.values[5] = out.count..<(out.count + 1) }
            out.append(p.gender == 0 ? he : she)
        }
        appendTokens(arena + Int(d[0]), Int(d[1] - d[0]), to: &out)
        let start = out.count
        switch a {
        case 0:
            out.append(months[Int(p.month)]); out.append(days[Int(p.day)])
            out.append(comma); out.append(years[Int(p.year)])
        case 1: cities.append(Int(p.city), to: &out)
        case 2: universities.append(Int(p.university), to: &out)
        case 3: majors.append(Int(p.major), to: &out)
        case 4: employers.append(Int(p.employer), to: &out)
        default: headquarters.append(Int(p.employer), to: &out)
        }
        if a < 5 && spans.record { spans.values[a] = start..<out.count }
        appendTokens(arena + Int(d[2]), Int(d[3] - d[2]), to: &out)
        sentence += 1
    }
}

// MARK: - The bioS kind

extension BioSConfig: StoredDatasetKind {
    public static let kindName = "bioS"
    public var hasNames: Bool { true }
    public var hasChunks: Bool { false }
    public var scoresFreshRenderings: Bool { !simple }
    public var information: InformationContent {
        InformationContent(kind: Self.kindName, people: people, namePool: Double(firstNames) * Double(middleNames) * Double(lastNames),
                           log2ValueSpace: bioSLog2ValueSpace(self))
    }
    public var attributeNames: [String] { ["birth date", "birth city", "university", "major", "employer", "gender"] }
    public var attributeValueCounts: [Double] {
        [Double(12 * 28 * birthYears), Double(birthCities), Double(universities), Double(majors), Double(employers), 2]
    }
    public var attributeLog2ValueCounts: [Double] { attributeValueCounts.map { log2($0) } }
    public func evaluationRenderings(_ renderings: Int, seed: UInt64) -> (samples: Int, description: String) {
        if simple { return (1, "each person's fixed bioS-simple rendering, after end-of-text") }
        let n = max(1, renderings)
        return (n, "\(n) fresh rendering(s) each from evaluation seed \(seed), after end-of-text")
    }
    public static let keyAbbreviations: [(field: String, short: String)] = [
        ("firstNames", "first"), ("middleNames", "middle"), ("lastNames", "last"), ("birthYears", "years"),
        ("birthCities", "cities"), ("universities", "univ"), ("majors", "majors"), ("employers", "employers"),
        ("templatesPerAttribute", "templates"), ("simple", "simple"),
    ]
    public static let requiredFields: Set<String> = []
    public var atDefaults: BioSConfig { BioSConfig(people: people) }
    public var spec: DatasetSpec { .bioS(self) }
    var namePools: NamePools? { pools }
    func makeStore(seed: UInt64, tokenizer: Tokenizer, excluding: Set<UInt32>, storePeople: Bool) throws -> any PersonStore {
        try BioSStore(self, seed: seed, tokenizer: tokenizer, excluding: excluding, storePeople: storePeople)
    }
}

extension BioSStore: PersonStore {
    var personCount: Int { people.count }
    func name(of person: Int) -> String { NameTokens.string(people[person].name) }
    func valueStrings(of person: Int) -> [String] { valueStrings(people[person]) }
    var nameCodes: Set<UInt32> { Set(people.map(\.name)) }
    var lengthIndependentOfExposure: Bool { config.simple }
    func renderer(eos: Int32, domainToken: Int32) -> Renderer {
        Renderer(kind: .bioS(view), eos: eos, domainToken: domainToken, simple: config.simple, simpleSeed: simpleSeed)
    }

    /// bioS-simple: exactly the tokens of the fixed renderings. bioS: every configured template
    /// word, both pronouns, the comma, and the names and values of the N people.
    func usedTokens(_ tokenizer: Tokenizer) -> Set<Int32> {
        var used = Set<Int32>()
        if config.simple {
            var out: [Int32] = []
            var spans = SpanSink.off
            for (p, person) in people.enumerated() {
                out.removeAll(keepingCapacity: true)
                view.render(person, layoutSeed: deriveSeed(simpleSeed, UInt64(p)), domain: false,
                            eos: tokenizer.endOfText, domainToken: tokenizer.domainToken, into: &out, spans: &spans)
                used.formUnion(out)
            }
            return used
        }
        for list in templates { for t in list { used.formUnion(t.prefix); used.formUnion(t.suffix) } }
        used.formUnion([he, she, comma])
        for p in people {
            let parts = NamePools.parts(p.name)
            used.formUnion([names.first[parts.first], names.middle[parts.middle], names.last[parts.last]])
            used.formUnion([months[Int(p.month)], days[Int(p.day)], years[Int(p.year)]])
            used.formUnion(cities.ids(Int(p.city))); used.formUnion(universities.ids(Int(p.university)))
            used.formUnion(majors.ids(Int(p.major))); used.formUnion(employers.ids(Int(p.employer)))
            used.formUnion(headquarters.ids(Int(p.employer)))
        }
        return used
    }
}
