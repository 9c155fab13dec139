import Kernels

// Biographies: the synthetic knowledge of Allen-Zhu & Li (bioS, bioS-simple, bioD) and Morris et
// al. (uniform random tokens), generated from a seed, tokenized, turned into a training stream with
// exact exposure counts, and able to state in closed form how many bits of knowledge it holds.
//
// Flow:
//   let data   = try Dataset(spec: spec, seed: s, stream: streamConfig)   // vocabulary covers junk
//   let stream = try TokenStream(dataset: data, config: streamConfig, seed: s2, threads: 1)
//   while stream.nextWindows(8, inputs: x, targets: y) > 0 { train }       // [8 × T] each, −1 = ignore
//   data.information.total                                                  // bits (R_max numerator)
//   data.evaluationRendering(person: p, sample: 0, seed: e)                 // tokens + spans to score
//
// Files: DatasetSpec(.Coding) spec types · DatasetKind (what a kind provides) · Tokenizer · Information (closed-form bits) ·
// Dataset / DatasetRendering / Renderer (people, renderings, spans) · BioS, BioD, RandomTokens
// (generators) · NameSampling (distinct names) · Frozen (ARC-free buffers for the hot loop) ·
// Schedule (exposure rounds, block rendering) · TokenStream (windows, junk, domain token) ·
// JSONL (export) · GivenNames, LastNames, AttributeValues, Universities, Employers, Templates (data).
