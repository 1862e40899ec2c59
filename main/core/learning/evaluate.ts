/**
 * Evaluation of a classifier on labelled examples: top-1/top-5 accuracy, per-class
 * precision/recall/F1, the confusion matrix and the misclassified examples.
 */

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Examples of this class in the evaluated set. */
  support: number;
}

export interface Misclassified {
  /** Library photo id, when the example came from the library. */
  photoId: number | null;
  path: string;
  truth: string;
  predicted: string;
  /** Probability the model gave its (wrong) prediction. */
  probability: number;
  /** Probability the model gave the true class. */
  truthProbability: number;
}

export interface EvaluationReport {
  examples: number;
  top1: number;
  /** Top-k accuracy with k = min(5, classes). */
  top5: number;
  macroF1: number;
  perClass: ClassMetrics[];
  labels: string[];
  /** confusion[truth][predicted]: counts. */
  confusion: number[][];
  misclassified: Misclassified[];
}

export interface EvaluatedExample {
  photoId: number | null;
  path: string;
  truth: number;
  probabilities: ArrayLike<number>;
}

function ranked(probabilities: ArrayLike<number>): number[] {
  return Array.from(probabilities, (p, i) => [p, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .map(([, i]) => i);
}

/** Metrics over `examples`; precision of a class never predicted is 0, as is F1 when P+R = 0. */
export function evaluateClassifier(examples: readonly EvaluatedExample[], labels: readonly string[]): EvaluationReport {
  const k = labels.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const misclassified: Misclassified[] = [];
  const topK = Math.min(5, k);
  let top1 = 0;
  let top5 = 0;
  for (const example of examples) {
    const order = ranked(example.probabilities);
    const predicted = order[0]!;
    confusion[example.truth]![predicted]! += 1;
    if (predicted === example.truth) top1 += 1;
    else {
      misclassified.push({
        photoId: example.photoId,
        path: example.path,
        truth: labels[example.truth]!,
        predicted: labels[predicted]!,
        probability: example.probabilities[predicted]!,
        truthProbability: example.probabilities[example.truth]!,
      });
    }
    if (order.slice(0, topK).includes(example.truth)) top5 += 1;
  }
  const perClass = labels.map((label, c) => {
    const truePositives = confusion[c]![c]!;
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predictedCount = confusion.reduce((sum, row) => sum + row[c]!, 0);
    const precision = predictedCount === 0 ? 0 : truePositives / predictedCount;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support };
  });
  const present = perClass.filter((m) => m.support > 0);
  const n = examples.length;
  return {
    examples: n,
    top1: n === 0 ? 0 : top1 / n,
    top5: n === 0 ? 0 : top5 / n,
    macroF1: present.length === 0 ? 0 : present.reduce((sum, m) => sum + m.f1, 0) / present.length,
    perClass,
    labels: [...labels],
    confusion,
    misclassified: misclassified.sort((a, b) => b.probability - a.probability),
  };
}

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

/** The confusion matrix as a text table: rows are the true species, columns the predicted ones (by number). */
export function formatConfusionMatrix(report: Pick<EvaluationReport, 'labels' | 'confusion'>): string {
  const { labels, confusion } = report;
  const cells = confusion.flat().map(String);
  const cell = Math.max(3, ...cells.map((c) => c.length), String(labels.length).length + 1);
  const nameWidth = Math.max(10, ...labels.map((l, i) => `${i + 1} ${l}`.length));
  const header = `${'true \\ predicted'.padEnd(nameWidth)} ${labels.map((_, i) => String(i + 1).padStart(cell)).join(' ')}`;
  const rows = labels.map((label, i) => `${`${i + 1} ${label}`.padEnd(nameWidth)} ${confusion[i]!.map((v) => String(v).padStart(cell)).join(' ')}`);
  return [header, ...rows].join('\n');
}

/** Per-class precision/recall/F1 as a text table. */
export function formatClassMetrics(report: Pick<EvaluationReport, 'perClass'>): string {
  const width = Math.max(7, ...report.perClass.map((m) => m.label.length));
  const header = `${'species'.padEnd(width)}  precision  recall     F1  photos`;
  const rows = report.perClass.map((m) => `${m.label.padEnd(width)}  ${percent(m.precision).padStart(9)}  ${percent(m.recall).padStart(6)}  ${percent(m.f1).padStart(6)}  ${String(m.support).padStart(6)}`);
  return [header, ...rows].join('\n');
}
