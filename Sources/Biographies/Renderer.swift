import Kernels

/// Everything needed to render a dataset's biographies, as a trivial value (raw pointers into the
/// dataset's frozen buffers): the stream's hot loop copies it once per block and renders with no
/// reference counting. Only valid inside `Dataset.withRenderer`.
struct Renderer {
    enum Kind { case bioS(BioSView), bioD(BioDView), random(RandomView) }
    let kind: Kind
    let eos: Int32, domainToken: Int32
    let simple: Bool                 // bioS-simple: one fixed layout per person
    let simpleSeed: UInt64

    /// Seed of the layout (bioS templates and order, bioD attribute order) of one biography:
    /// (render seed, person, exposure) for stored people, the person's fixed seed for bioS-simple,
    /// derived from the person's own seed for fresh people.
    @inline(__always)
    func layoutSeed(_ who: Who, exposure: Int, renderSeed: UInt64) -> UInt64 {
        switch who {
        case .stored(let p):
            if simple { return deriveSeed(simpleSeed, UInt64(p)) }
            return deriveSeed(deriveSeed(renderSeed, UInt64(p)), UInt64(exposure))
        case .fresh(let seed):
            return deriveSeed(seed, 0x6C61_796F_7574)           // "layout"
        }
    }

    /// Appends one biography (EOS, [domain], text) to `out`; no allocation once `out` and
    /// `scratch` have grown. `canonical`: bioD in attribute order 1...K (evaluation).
    @inline(__always)
    func append(_ who: Who, exposure: Int, renderSeed: UInt64, domain: Bool, canonical: Bool,
                into out: inout [Int32], scratch: inout RenderScratch, spans: inout SpanSink) {
        let layout = layoutSeed(who, exposure: exposure, renderSeed: renderSeed)
        switch kind {
        case .bioS(let v):
            v.render(v.person(who), layoutSeed: layout, domain: domain, eos: eos, domainToken: domainToken, into: &out, spans: &spans)
        case .bioD(let v):
            let orderSeed: UInt64? = canonical ? nil : layout
            switch who {
            case .stored(let p):
                v.render(name: v.names[p], values: v.values + p * v.K * v.C, orderSeed: orderSeed, domain: domain,
                         eos: eos, domainToken: domainToken, order: &scratch.order, into: &out, spans: &spans)
            case .fresh(let seed):
                let name = v.freshPerson(seed, values: &scratch.values)
                scratch.values.withUnsafeBufferPointer { values in
                    v.render(name: name, values: values.baseAddress!, orderSeed: orderSeed, domain: domain, eos: eos,
                             domainToken: domainToken, order: &scratch.order, into: &out, spans: &spans)
                }
            }
        case .random(let v):
            switch who {
            case .stored(let p):
                v.render(v.sequences + p * v.S, domain: domain, eos: eos, domainToken: domainToken, into: &out, spans: &spans)
            case .fresh(let seed):
                v.freshSequence(seed, values: &scratch.values)
                scratch.values.withUnsafeBufferPointer { values in
                    v.render(values.baseAddress!, domain: domain, eos: eos, domainToken: domainToken, into: &out, spans: &spans)
                }
            }
        }
    }

    /// Tokens `append` would write, without rendering.
    @inline(__always)
    func length(_ who: Who, exposure: Int, renderSeed: UInt64, domain: Bool) -> Int {
        switch kind {
        case .bioS(let v):
            return v.length(v.person(who), layoutSeed: layoutSeed(who, exposure: exposure, renderSeed: renderSeed), domain: domain)
        case .bioD(let v): return v.length(domain: domain)
        case .random(let v): return v.length(domain: domain)
        }
    }
}
