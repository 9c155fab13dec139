import Biographies
import Capacity
import Foundation
import Transformer

/// `capacity export-model`: a trained checkpoint as a Hugging Face model directory that
/// `AutoModelForCausalLM.from_pretrained` and `AutoTokenizer.from_pretrained` load with no custom
/// code (docs/checkpoints.md, "Export to Hugging Face").
public struct HFExportSummary: Sendable {
    public var architecture: HFArchitecture
    public var files: [String]
    public var tensors: Int
    public var parameters: Int
    /// Where the card's bits and R come from: the run's record, or a fresh evaluation.
    public var figuresSource: String
}

/// What the model card states about what the model learned.
struct CardFigures {
    var bits: Double, dataBits: Double, paramsPaper: Int, capacityRatio: Double, capacityRatioMax: Double
    var p1Nats: Double?, valueNatsPerPerson: Double?, meanAccuracy: Double, evaluation: String, source: String
}

/// Writes config.json, model.safetensors, tokenizer.json, tokenizer_config.json and README.md
/// into `directory` (created if needed) for the checkpoint at `checkpointPath`.
public func exportHFModel(checkpointPath: String, to directory: String, threads: Int = 1) throws -> HFExportSummary {
    let checkpoint: CheckpointedRun
    do { checkpoint = try CheckpointedRun(path: checkpointPath, threads: threads) } catch let e as CheckpointRunError {
        throw HFExportError(e.description)
    }
    let (model, spec, dataset) = (checkpoint.model, checkpoint.run.spec, checkpoint.run.dataset)
    let arch = try HFArchitecture.of(model.config)
    let figures = try cardFigures(checkpoint, checkpointPath: checkpointPath, threads: threads)

    let fm = FileManager.default
    try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let dir = URL(fileURLWithPath: directory)
    let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let tensors = hfTensors(model, as: arch)
    try writeSafeTensors(tensors, metadata: ["format": "pt", "capacity.run": spec.key],
                         to: dir.appendingPathComponent("model.safetensors").path)
    try enc.encode(HFConfig(model.config, arch)).write(to: dir.appendingPathComponent("config.json"))
    try enc.encode(HFTokenizer(vocabulary: dataset.tokenizer.vocabulary)).write(to: dir.appendingPathComponent("tokenizer.json"))
    try enc.encode(HFTokenizerConfig(contextLength: model.config.contextLength)).write(to: dir.appendingPathComponent("tokenizer_config.json"))
    try Data(modelCard(spec: spec, model: model.config, steps: checkpoint.steps, arch: arch, figures: figures).utf8)
        .write(to: dir.appendingPathComponent("README.md"))
    return HFExportSummary(architecture: arch,
                           files: ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "README.md"],
                           tensors: tensors.count, parameters: tensors.reduce(0) { $0 + $1.values.count }, figuresSource: figures.source)
}

/// The run's recorded figures when its results directory (the checkpoint's `../..`) holds a
/// record of this very spec (same fingerprint); otherwise the evaluator scores the checkpoint.
func cardFigures(_ checkpoint: CheckpointedRun, checkpointPath: String, threads: Int) throws -> CardFigures {
    let run = checkpoint.run, spec = run.spec
    let shown = ((checkpointPath as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
    let results = URL(fileURLWithPath: shown.isEmpty ? "." : shown)
    if let loaded = try? ResultStore.load(directory: results),
       let r = loaded.records.first(where: { $0.key == spec.key && $0.fingerprint == spec.fingerprint }), let m = r.metrics {
        return CardFigures(bits: m.bits.total, dataBits: m.dataBits, paramsPaper: m.paramsPaper, capacityRatio: m.capacityRatio,
                           capacityRatioMax: m.capacityRatioMax, p1Nats: m.p1Nats, valueNatsPerPerson: m.valueNatsPerPerson,
                           meanAccuracy: m.meanAccuracy, evaluation: m.evaluation, source: "recorded in \(shown.isEmpty ? "." : shown)/runs*.jsonl")
    }
    let e = try run.evaluate(checkpoint.model, threads: threads)
    return CardFigures(bits: e.bits.total, dataBits: e.datasetBits, paramsPaper: run.params.paper,
                       capacityRatio: run.capacityRatio(bits: e.bits.total), capacityRatioMax: run.capacityRatio(bits: e.datasetBits),
                       p1Nats: e.p1Nats, valueNatsPerPerson: e.valueNatsPerPerson, meanAccuracy: e.meanAccuracy,
                       evaluation: e.description, source: "evaluated at export (no record of this run beside the checkpoint)")
}

/// tokenizer.json (the `tokenizers` library's format): a word-level model over the run's
/// vocabulary, ids as in `Tokenizer`; the pre-tokenizer splits as `Tokenizer.split` does
/// (whitespace; each of , . ; : ! ? ( ) " alone; an apostrophe opens a new token). A word
/// outside the vocabulary is an error (the unknown token is not in the vocabulary).
struct HFTokenizer: Encodable {
    struct AddedToken: Encodable {
        var id: Int, content: String, singleWord = false, lstrip = false, rstrip = false, normalized = false, special = true
        enum CodingKeys: String, CodingKey { case id, content, singleWord = "single_word", lstrip, rstrip, normalized, special }
    }
    struct Pattern: Encodable {
        var regex: String?, string: String?
        enum CodingKeys: String, CodingKey { case regex = "Regex", string = "String" }
    }
    struct PreTokenizer: Encodable {
        var type: String, pattern: Pattern? = nil, behavior: String? = nil, invert: Bool? = nil, pretokenizers: [PreTokenizer]? = nil
    }
    struct Model: Encodable {
        var type = "WordLevel"
        var vocab: [String: Int]
        var unkToken = "<|unk|>"
        enum CodingKeys: String, CodingKey { case type, vocab, unkToken = "unk_token" }
    }
    var version = "1.0"
    var addedTokens: [AddedToken]
    var preTokenizer: PreTokenizer
    var model: Model

    enum CodingKeys: String, CodingKey {
        case version, addedTokens = "added_tokens", preTokenizer = "pre_tokenizer", model
        case truncation, padding, normalizer, postProcessor = "post_processor", decoder
    }

    init(vocabulary: [String]) {
        addedTokens = [AddedToken(id: 0, content: Tokenizer.endOfTextString), AddedToken(id: 1, content: Tokenizer.domainString)]
        preTokenizer = PreTokenizer(type: "Sequence", pretokenizers: [
            PreTokenizer(type: "WhitespaceSplit"),
            PreTokenizer(type: "Split", pattern: Pattern(regex: "[,.;:!?()\"]"), behavior: "Isolated", invert: false),
            PreTokenizer(type: "Split", pattern: Pattern(string: "'"), behavior: "MergedWithNext", invert: false),
        ])
        model = Model(vocab: Dictionary(uniqueKeysWithValues: vocabulary.enumerated().map { ($0.element, $0.offset) }))
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(addedTokens, forKey: .addedTokens)
        try c.encode(preTokenizer, forKey: .preTokenizer)
        try c.encode(model, forKey: .model)
        for k in [CodingKeys.truncation, .padding, .normalizer, .postProcessor, .decoder] { try c.encodeNil(forKey: k) }
    }
}

/// tokenizer_config.json: the fast tokenizer over tokenizer.json, end-of-text as BOS and EOS.
struct HFTokenizerConfig: Encodable {
    var tokenizerClass = "PreTrainedTokenizerFast"
    var bosToken = Tokenizer.endOfTextString, eosToken = Tokenizer.endOfTextString
    var additionalSpecialTokens = [Tokenizer.domainString]
    var modelMaxLength: Int
    enum CodingKeys: String, CodingKey {
        case tokenizerClass = "tokenizer_class", bosToken = "bos_token", eosToken = "eos_token"
        case additionalSpecialTokens = "additional_special_tokens", modelMaxLength = "model_max_length"
    }
    init(contextLength: Int) { modelMaxLength = contextLength }
}

/// README.md: what the model is, what it was trained on and how, and what it learned.
func modelCard(spec: RunSpec, model c: ModelConfig, steps: Int, arch: HFArchitecture, figures f: CardFigures) -> String {
    let t = spec.training
    func n(_ x: Double?, _ digits: Int = 3) -> String { x.map { String(format: "%.\(digits)f", $0) } ?? "—" }
    let domain = spec.stream.domainToken ? " Every useful biography starts `<|endoftext|> <|domain|>`." : ""
    return """
    ---
    library_name: transformers
    tags: [capacity, knowledge-capacity, synthetic-biographies]
    ---
    # \(spec.key)

    A \(c.layers)-layer, width-\(c.width), \(c.heads)-head model trained by `capacity` on synthetic
    biographies, exported as `\(arch.rawValue)`
    (exactly the trained forward pass: fp32 weights, rotary base \(Int(c.rotaryBase)) on every head
    dimension, \(c.tiedHead ? "head tied to the embedding" : "untied head")).

    - **Run**: `\(spec.key)` of scenario `\(spec.scenario)` (fingerprint `\(spec.fingerprint)`).
    - **Data**: \(spec.datasetLabel), \(spec.people) people, seen \(spec.exposures) times; \(Int(f.dataBits.rounded())) bits of knowledge in all.
    - **Training**: \(steps) AdamW steps of \(t.batchWindows) windows of \(spec.stream.contextLength) tokens, peak learning rate \(t.peakLearningRate),
      \(t.warmupFraction) warm-up, cosine to \(t.finalLearningRateRatio)× peak, weight decay \(t.weightDecay), weights \(t.weightPrecision.rawValue).
    - **Learned**: \(Int(f.bits.rounded())) bits (the evaluator's lower bound), \(f.paramsPaper) parameters (the paper's count),
      **R = \(n(f.capacityRatio)) bits/param** (R_max = \(n(f.capacityRatioMax, 2))); name loss p1 \(n(f.p1Nats)) nats, value loss
      \(n(f.valueNatsPerPerson)) nats per person, accuracy \(n(f.meanAccuracy)); \(f.evaluation); \(f.source).

    The tokenizer is word-level over the run's \(c.vocabularySize) tokens; `<|endoftext|>` (id 0) opens every
    biography, and a scored biography is one window starting with it.\(domain) `scripts/hf/check_export.py`
    rescores every person with this directory alone and recomputes the bits.

    """
}
