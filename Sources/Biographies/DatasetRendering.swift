import Kernels

// Rendering API of `Dataset`: what the stream, the evaluator and the JSONL writer call.

extension Dataset {
    /// The biography the stream emits for `person` at its `exposure`-th appearance when its render
    /// seed is `seed` (`TokenStream` uses deriveSeed(stream seed, "useful render")). bioS draws
    /// templates and order from (seed, person, exposure); bioS-simple always gives the person's
    /// fixed rendering; bioD draws the attribute order from (seed, person, exposure).
    public func rendering(person: Int, exposure: Int, seed: UInt64, domainToken: Bool = false) -> Rendering {
        render(.stored(person), exposure: exposure, renderSeed: seed, domain: domainToken, canonical: false)
    }

    /// The rendering the evaluator scores for `person`, sample `sample` (0, 1, ...):
    /// bioS: a fresh rendering drawn from (deriveSeed(seed, "evaluation"), person, sample), i.e.
    /// never one the stream trained on unless the seeds coincide; bioS-simple: the fixed rendering;
    /// bioD: the canonical attribute order ID 1 … ID K; random: EOS + the sequence.
    public func evaluationRendering(person: Int, sample: Int, seed: UInt64, domainToken: Bool = false) -> Rendering {
        render(.stored(person), exposure: sample, renderSeed: deriveSeed(seed, "evaluation"),
               domain: domainToken, canonical: true)
    }

    /// The text of a rendering without its special tokens.
    public func text(of rendering: Rendering) -> String {
        tokenizer.decode(rendering.tokens.filter { $0 != tokenizer.endOfText && $0 != tokenizer.domainToken })
    }

    /// The full name of a stored person ("" for random data).
    public func name(of person: Int) -> String {
        switch storage {
        case .bioS(let s): return NameTokens.string(s.people[person].name)
        case .bioD(let s): return NameTokens.string(s.names[person])
        case .random: return ""
        }
    }

    /// The counted values of a stored person as strings, in `attributeNames` order (what each value
    /// span decodes to; bioS gender is "He"/"She", bioD and random values are space-separated symbols).
    public func valueStrings(of person: Int) -> [String] {
        switch storage {
        case .bioS(let s): return s.valueStrings(s.people[person])
        case .bioD(let s): return s.valueStrings(person: person)
        case .random(let s):
            return [(0..<s.S).map { RandomConfig.symbolWord(Int(s.sequences[person * s.S + $0])) }.joined(separator: " ")]
        }
    }

    /// Name codes of the stored people (what junk must avoid).
    var nameCodes: Set<UInt32> {
        switch storage {
        case .bioS(let s): return Set(s.people.map(\.name))
        case .bioD(let s): return Set(s.names)
        case .random: return []
        }
    }

    /// A rendering with spans (allocates; for evaluation, tests and export).
    func render(_ who: Who, exposure: Int, renderSeed: UInt64, domain: Bool, canonical: Bool) -> Rendering {
        let k = attributeNames.count
        var spans = SpanSink(record: true, values: Array(repeating: 0..<0, count: k),
                             firstChunks: { if case .bioD = storage { return Array(repeating: 0..<0, count: k) }; return [] }())
        var tokens: [Int32] = []
        var scratch = RenderScratch()
        append(who, exposure: exposure, renderSeed: renderSeed, domain: domain, canonical: canonical,
               into: &tokens, scratch: &scratch, spans: &spans)
        let person: Int
        switch who {
        case .stored(let p): person = p
        case .fresh: person = -1
        }
        return Rendering(tokens: tokens, nameSpan: spans.name, valueSpans: spans.values,
                         firstChunkSpans: spans.firstChunks, person: person)
    }

    /// Appends one biography (EOS, [domain], text) to `out`.
    func append(_ who: Who, exposure: Int, renderSeed: UInt64, domain: Bool, canonical: Bool,
                into out: inout [Int32], scratch: inout RenderScratch, spans: inout SpanSink) {
        withRenderer { r in
            r.append(who, exposure: exposure, renderSeed: renderSeed, domain: domain, canonical: canonical,
                     into: &out, scratch: &scratch, spans: &spans)
        }
    }

    /// Tokens `append` would write for this biography, without rendering it.
    func length(_ who: Who, exposure: Int, renderSeed: UInt64, domain: Bool) -> Int {
        withRenderer { $0.length(who, exposure: exposure, renderSeed: renderSeed, domain: domain) }
    }

    /// Runs `body` with the raw-pointer renderer of this dataset; the dataset stays alive meanwhile.
    /// Hot loops call this once per block, not once per biography.
    @inline(__always)
    func withRenderer<R>(_ body: (Renderer) -> R) -> R {
        withExtendedLifetime(self) {
            let r: Renderer
            switch storage {
            case .bioS(let s): r = Renderer(kind: .bioS(s.view), eos: tokenizer.endOfText, domainToken: tokenizer.domainToken,
                                            simple: s.config.simple, simpleSeed: s.simpleSeed)
            case .bioD(let s): r = Renderer(kind: .bioD(s.view), eos: tokenizer.endOfText, domainToken: tokenizer.domainToken,
                                            simple: false, simpleSeed: 0)
            case .random(let s): r = Renderer(kind: .random(s.view), eos: tokenizer.endOfText, domainToken: tokenizer.domainToken,
                                              simple: false, simpleSeed: 0)
            }
            return body(r)
        }
    }

    /// True when every rendering of a stored person has the same length whatever the exposure
    /// (all but non-simple bioS), so the stream needs no counting pass over exposures.
    var lengthIndependentOfExposure: Bool {
        if case .bioS(let s) = storage { return s.config.simple }
        return true
    }

    /// Sorted ids of tokens occurring in this dataset (see `usedTokenIDs`).
    static func usedTokens(_ storage: Storage, _ tokenizer: Tokenizer) -> [Int32] {
        var used = Set<Int32>([tokenizer.endOfText])
        switch storage {
        case .bioS(let s):
            if s.config.simple {
                // Exactly the tokens of the fixed renderings.
                var out: [Int32] = []
                var spans = SpanSink.off
                for (p, person) in s.people.enumerated() {
                    out.removeAll(keepingCapacity: true)
                    s.view.render(person, layoutSeed: deriveSeed(s.simpleSeed, UInt64(p)), domain: false,
                                  eos: tokenizer.endOfText, domainToken: tokenizer.domainToken, into: &out, spans: &spans)
                    used.formUnion(out)
                }
            } else {
                for list in s.templates { for t in list { used.formUnion(t.prefix); used.formUnion(t.suffix) } }
                used.formUnion([s.he, s.she, s.comma])
                for p in s.people {
                    let parts = NamePools.parts(p.name)
                    used.formUnion([s.names.first[parts.first], s.names.middle[parts.middle], s.names.last[parts.last]])
                    used.formUnion([s.months[Int(p.month)], s.days[Int(p.day)], s.years[Int(p.year)]])
                    used.formUnion(s.cities.ids(Int(p.city))); used.formUnion(s.universities.ids(Int(p.university)))
                    used.formUnion(s.majors.ids(Int(p.major))); used.formUnion(s.employers.ids(Int(p.employer)))
                    used.formUnion(s.headquarters.ids(Int(p.employer)))
                }
            }
        case .bioD(let s):
            used.formUnion(s.attributeTokens); used.insert(s.period)
            for code in s.names {
                let parts = NamePools.parts(code)
                used.formUnion([s.nameTokens.first[parts.first], s.nameTokens.middle[parts.middle], s.nameTokens.last[parts.last]])
            }
            let n = s.K * s.C
            for p in 0..<s.names.count {
                for k in 0..<s.K {
                    for c in 0..<s.C {
                        let base = (k * s.D + Int(s.values[p * n + k * s.C + c])) * s.L
                        for j in 0..<s.L { used.insert(s.symbolTokens[Int(s.chunkSymbols[base + j])]) }
                    }
                }
            }
        case .random(let s):
            for v in s.sequences { used.insert(s.symbolTokens[Int(v)]) }
        }
        return used.sorted()
    }
}

// MARK: - Spec helpers and validation

extension DatasetSpec {
    /// "bioS", "bioD" or "random": the `kind` of the spec's JSON.
    public var kindName: String {
        switch self { case .bioS: "bioS"; case .bioD: "bioD"; case .random: "random" }
    }
    /// Whether biographies of this kind open with a person's name (bioS, bioD; not random data),
    /// so the evaluator's name loss p1 means something.
    public var hasNames: Bool {
        if case .random = self { return false }
        return true
    }
    /// Whether values are made of chunks drawn from diversity sets (bioD), so the evaluator's
    /// first-chunk loss p3 and the diversity term mean something.
    public var hasChunks: Bool {
        if case .bioD = self { return true }
        return false
    }
    /// N (people or sequences).
    public var people: Int {
        switch self { case .bioS(let c): c.people; case .bioD(let c): c.people; case .random(let c): c.sequences }
    }
    var namePools: NamePools? {
        switch self { case .bioS(let c): c.namePools; case .bioD(let c): c.namePools; case .random: nil }
    }
    /// Every word a dataset of this spec can render (the vocabulary, minus special tokens).
    var words: Set<String> {
        switch self { case .bioS(let c): c.words; case .bioD(let c): c.words; case .random(let c): c.words }
    }
}

extension DatasetSpec {
    /// Throws a `SpecError` naming the first invalid field; `prefix` is the key path of this spec
    /// in its file ("" gives "bioS.people", "runs[2].dataset." gives "runs[2].dataset.bioS.people").
    public func validate(at prefix: String = "") throws {
        switch self {
        case .bioS(let c): try c.validate(prefix + "bioS.")
        case .bioD(let c): try c.validate(prefix + "bioD.")
        case .random(let c): try c.validate(prefix + "random.")
        }
    }
}

extension StreamConfig {
    /// Throws a `SpecError` naming the first invalid field ("stream.exposures", "stream.junk.fraction",
    /// "stream.junk.dataset.bioS.people", ...); `prefix` is the key path of this config.
    public func validate(at prefix: String = "stream.") throws {
        if exposures < 1 { throw SpecError(prefix + "exposures", "must be at least 1, found \(exposures)") }
        if contextLength < 1 { throw SpecError(prefix + "contextLength", "must be at least 1, found \(contextLength)") }
        if let junk {
            if !(junk.fraction >= 0 && junk.fraction < 1) {
                throw SpecError(prefix + "junk.fraction", "\(junk.fraction) is outside [0, 1)")
            }
            try junk.dataset.validate(at: prefix + "junk.dataset.")
        }
    }
}
