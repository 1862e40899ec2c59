/**
 * Seeded randomness and stratified splits: the same seed always gives the same split, so a
 * training run can be reproduced exactly.
 */

import { seededRandom } from '../seeded-random.js';

/** Fisher-Yates shuffle of a copy. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Indices grouped by class, each group shuffled with `random`. */
function shuffledByClass(labels: readonly number[], random: () => number): number[][] {
  const classes = Math.max(-1, ...labels) + 1;
  const groups: number[][] = Array.from({ length: classes }, () => []);
  labels.forEach((label, index) => groups[label]!.push(index));
  return groups.map((group) => shuffled(group, random));
}

export interface Split {
  train: number[];
  validation: number[];
}

/**
 * Stratified split: each class gives round(fraction × its count) examples to validation, at
 * least one, and always keeps at least one for training. Classes with one example train only.
 */
export function stratifiedSplit(labels: readonly number[], validationFraction: number, seed: number): Split {
  const split: Split = { train: [], validation: [] };
  for (const group of shuffledByClass(labels, seededRandom(seed))) {
    const take = group.length < 2 ? 0 : Math.min(group.length - 1, Math.max(1, Math.round(group.length * validationFraction)));
    split.validation.push(...group.slice(0, take));
    split.train.push(...group.slice(take));
  }
  split.train.sort((a, b) => a - b);
  split.validation.sort((a, b) => a - b);
  return split;
}

/** Stratified k-fold: fold f holds every k-th example of each shuffled class, so folds are balanced. */
export function stratifiedFolds(labels: readonly number[], folds: number, seed: number): number[][] {
  const out: number[][] = Array.from({ length: folds }, () => []);
  let offset = 0;
  for (const group of shuffledByClass(labels, seededRandom(seed))) {
    group.forEach((index, i) => out[(i + offset) % folds]!.push(index));
    // Rotating the start spreads the classes' remainders over the folds.
    offset += group.length;
  }
  return out.map((fold) => fold.sort((a, b) => a - b));
}
