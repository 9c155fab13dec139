import Foundation

extension Report {
    /// Dataset fields of every kind, in runs.csv under their scenario names (empty for a kind
    /// without the field: a bioS run has no `attributes`, a random one no name pools).
    static let csvDatasetFields: [ReportColumn] = [
        .attributes, .chunks, .diversity, .chunkLength, .alphabet, .firstNames, .middleNames, .lastNames,
        .birthYears, .birthCities, .universities, .majors, .employers, .templatesPerAttribute, .simple,
        .length, .vocabulary,
    ]
    /// Model fields beyond the shape (empty where they do not apply: experts of a dense model).
    static let csvModelFields: [ReportColumn] = [
        .rotaryBase, .norm, .attentionBias, .normBias, .tiedHead, .experts, .trainingCapacityFactor, .evaluationCapacityFactor,
        .loadBalancingCoefficient,
    ]
    static let csvTrainingFields: [ReportColumn] = [.weightPrecision, .plateauSteps, .plateauMinImprovementNats]

    /// Every record (failed ones too), every setting and every numeric field, plus the learned
    /// fraction (bits / dataBits); RFC 4180 (CRLF, quoted when needed).
    public static func csv(records: [RunRecord]) -> String {
        let attributes = unique(records.flatMap { $0.metrics?.accuracy.map(\.attribute) ?? [] })
        var header = ["key", "status", "scenario", "index", "configuration", "family", "dataset", "kind", "people"]
        header += csvDatasetFields.map(\.rawValue)
        header += ["model", "layers", "heads", "width", "mlp", "vocabularySize", "modelContextLength"]
        header += csvModelFields.map(\.rawValue)
        header += ["junk", "junkDataset", "junkFraction", "junkFreshPeople", "domainToken", "exposures", "contextLength",
                   "batchWindows", "learningRate", "warmupFraction", "finalLearningRateRatio", "weightDecay",
                   "beta1", "beta2", "epsilon", "gradientClip"]
        header += csvTrainingFields.map(\.rawValue)
        header += ["replicate", "fingerprint", "datasetSeed", "streamSeed", "initSeed",
                   "paramsPaper", "paramsTotal", "p1Nats", "valueNatsPerPerson", "p3Nats", "bits", "bitsName",
                   "bitsValue", "bitsDiversity", "dataBits", "learnedFraction", "R", "Rmax", "meanAccuracy"]
        header += attributes.map { "accuracy.\($0)" }
        header += ["peopleScored", "tokensTrained", "steps", "tokensPerSecond", "finalLossNatsPerToken",
                   "wallSeconds", "finishedAt", "evaluation", "reason"]
        var lines = [header.map(csvField).joined(separator: ",")]
        for r in records {
            let s = r.spec, t = s.training, m = r.metrics
            func o<T>(_ v: T?) -> String { v.map { "\($0)" } ?? "" }
            func fields(_ columns: [ReportColumn]) -> [String] { columns.map { $0.setting(s) ?? "" } }
            let junkDataset = s.stream.junk.map { "\($0.dataset.kindName)-N\($0.dataset.people)" }
            var row: [String] = [r.key, r.status.rawValue, s.scenario, "\(s.index)", s.configuration, s.family,
                                 s.datasetLabel, s.dataset.kindName, "\(s.people)"]
            row += fields(csvDatasetFields)
            row += [s.modelLabel, "\(s.model.layers)", "\(s.model.heads)", "\(s.model.width)", s.model.mlp.rawValue,
                    "\(s.model.vocabularySize)", "\(s.model.contextLength)"]
            row += fields(csvModelFields)
            row += [s.junkLabel ?? "", o(junkDataset), o(s.stream.junk?.fraction), o(s.stream.junk?.freshPeople),
                    "\(s.stream.domainToken)", "\(s.exposures)", "\(s.stream.contextLength)", "\(t.batchWindows)",
                    "\(t.peakLearningRate)", "\(t.warmupFraction)", "\(t.finalLearningRateRatio)", "\(t.weightDecay)",
                    "\(t.beta1)", "\(t.beta2)", "\(t.epsilon)", "\(t.gradientClip)"]
            row += fields(csvTrainingFields)
            row += ["\(s.replicate)", r.fingerprint, "\(r.datasetSeed)", "\(r.streamSeed)", "\(r.initSeed)",
                    o(m?.paramsPaper), o(m?.paramsTotal), o(m?.p1Nats), o(m?.valueNatsPerPerson), o(m?.p3Nats),
                    o(m?.bits.total), o(m?.bits.name), o(m?.bits.value), o(m?.bits.diversity), o(m?.dataBits),
                    o(m.map(learnedFraction)), o(m?.capacityRatio), o(m?.capacityRatioMax), o(m?.meanAccuracy)]
            row += attributes.map { a in o(m?.accuracy.first { $0.attribute == a }?.accuracy) }
            row += [o(m?.peopleScored), o(m?.tokensTrained), o(m?.steps), o(m?.tokensPerSecond), o(m?.finalLossNatsPerToken),
                    "\(r.wallSeconds)", r.finishedAt, m?.evaluation ?? "", r.reason ?? ""]
            lines.append(row.map(csvField).joined(separator: ","))
        }
        return lines.map { $0 + "\r\n" }.joined()
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
