import Kernels
import Coding

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
    public func name(of person: Int) -> String { store.name(of: person) }

    /// The counted values of a stored person as strings, in `attributeNames` order (what each value
    /// span decodes to; bioS gender is "He"/"She", bioD and random values are space-separated symbols).
    public func valueStrings(of person: Int) -> [String] { store.valueStrings(of: person) }

    /// Name codes of the stored people (what junk must avoid).
    var nameCodes: Set<UInt32> { store.nameCodes }

    /// A rendering with spans (allocates; for evaluation, tests and export).
    func render(_ who: Who, exposure: Int, renderSeed: UInt64, domain: Bool, canonical: Bool) -> Rendering {
        let k = attributeNames.count
        var spans = SpanSink(record: true, values: Array(repeating: 0..<0, count: k),
                             firstChunks: spec.hasChunks ? Array(repeating: 0..<0, count: k) : [])
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
            body(store.renderer(eos: tokenizer.endOfText, domainToken: tokenizer.domainToken))
        }
    }

    /// True when every rendering of a stored person has the same length whatever the exposure
    /// (all but non-simple bioS), so the stream needs no counting pass over exposures.
    var lengthIndependentOfExposure: Bool { store.lengthIndependentOfExposure }
}

extension StreamConfig {
    /// Throws a `SpecError` naming the first invalid field ("stream.exposures", "stream.junk.fraction",
    /// "stream.junk.dataset.bioS.people", ...); `prefix` is the key path of this config.
    public func validate(at prefix: String = "stream.") throws {
        try requireCount(exposures, prefix + "exposures")
        try requireCount(contextLength, prefix + "contextLength")
        if let junk {
            try require(junk.fraction >= 0 && junk.fraction < 1, prefix + "junk.fraction",
                        expected: "a number in [0, 1)", found: fieldText(junk.fraction))
            try junk.dataset.validate(at: prefix + "junk.dataset.")
        }
    }
}
