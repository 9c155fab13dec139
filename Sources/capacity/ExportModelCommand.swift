import Kernels
import Experiments
import Foundation

enum ExportModelCommand {
    static let help = """
    capacity export-model CHECKPOINT --out DIR [--threads N]

    Writes a trained checkpoint as a Hugging Face model directory that transformers loads with no
    custom code (AutoModelForCausalLM.from_pretrained(DIR), AutoTokenizer.from_pretrained(DIR)):
    config.json, model.safetensors (fp32), tokenizer.json (word-level, the run's vocabulary),
    tokenizer_config.json and a README.md model card (run key, data bits, learned bits, R).
    GPT-2 models (mlp gelu or quarter, LayerNorm) export as GPTNeoXForCausalLM, LLaMA models
    (mlp gatedSiLU, norm rms, no norm bias) as LlamaForCausalLM; any other model is refused with
    the option HF cannot express. The mapping is in docs/checkpoints.md; scripts/hf/check_export.py
    rescores an exported model with transformers alone. E.g.
      capacity export-model results/architectures/checkpoints/KEY.ckpt --out hf/KEY

      --out DIR         the directory to write (created if needed; its files are replaced)
      --threads N       cores for scoring when no record of the run is found (default: all)
    """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["out", "threads"], flags: ["help"])
        if a.switches.contains("help") { print(help); return }
        guard a.positionals.count == 1, let out = a.options["out"] else {
            throw CLIError("export-model: expected one checkpoint file and --out DIR\n\n\(help)")
        }
        let path = a.positionals[0]
        let threads = try a.int("threads", default: availableCores, in: 1...maximumThreads)
        try EvaluateCommand.requireCheckpointFile(path)
        let start = Date()
        let s = try exportHFModel(checkpointPath: path, to: out, threads: threads)
        print("\(out): \(s.architecture.rawValue) · \(s.tensors) tensors · \(s.parameters) parameters · "
              + s.files.joined(separator: ", ") + " · card figures \(s.figuresSource) · "
              + String(format: "%.1f s", Date().timeIntervalSince(start)))
    }
}
