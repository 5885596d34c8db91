/**
 * Holding out part of a training dataset for validation: a seeded split,
 * stratified by class, so every class with at least two rows is represented
 * on both sides.
 */
import { InputError } from '../../errors.js';
import { Rng } from '../rng.js';
import { subset, type Dataset } from './dataset.js';

/** Rows held out from a group of `n`: round(fraction·n), at least 1 and at most n − 1; none from a group of fewer than 2. */
export function heldOutCount(n: number, fraction: number): number {
  if (n < 2) return 0;
  return Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
}

/**
 * Splits `d` into a training and a validation part.
 *
 * With class labels the split is stratified: the rows of each class c (n_c
 * of them) give heldOutCount(n_c, fraction) rows to validation —
 * round(fraction·n_c), at least 1 and at most n_c − 1 when n_c ≥ 2, none
 * when n_c = 1 — and the rest to training. Without labels the whole dataset
 * is one group. The held-out rows of each group (classes in increasing label
 * order) are the first ones of a permutation drawn from one Rng(seed), so the
 * split is a function of (dataset, fraction, seed) alone. Both parts keep
 * the original row order; every array is a copy and `d` is not changed.
 * Class names carry over; the validation part is named `<name>:val`.
 *
 * Throws InputError for a fraction outside the open interval (0, 1), a seed
 * that is not a safe integer, or a split that would hold out no rows (every
 * group has fewer than 2 rows).
 */
export function splitValidation(d: Dataset, fraction: number, seed: number): { train: Dataset; val: Dataset } {
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) {
    throw new InputError(`splitValidation: validation fraction ${String(fraction)} is not between 0 and 1 (exclusive)`);
  }
  if (!Number.isSafeInteger(seed)) throw new InputError(`splitValidation: seed ${String(seed)} is not an integer`);
  const groups = new Map<number, number[]>();
  for (let r = 0; r < d.size; r++) {
    const key = d.labels === undefined ? 0 : d.labels[r]!;
    let rows = groups.get(key);
    if (rows === undefined) groups.set(key, (rows = []));
    rows.push(r);
  }
  const rng = new Rng(seed);
  const held = new Uint8Array(d.size);
  let heldCount = 0;
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const rows = groups.get(key)!;
    const k = heldOutCount(rows.length, fraction);
    const perm = rng.permutation(rows.length);
    for (let i = 0; i < k; i++) held[rows[perm[i]!]!] = 1;
    heldCount += k;
  }
  if (heldCount === 0) {
    const why = d.labels === undefined ? `it has ${d.size} row${d.size === 1 ? '' : 's'}` : 'every class has fewer than 2 rows';
    throw new InputError(`splitValidation: a validation fraction of ${fraction} holds out no rows of '${d.name}' (${why})`);
  }
  const trainRows: number[] = [];
  const valRows: number[] = [];
  for (let r = 0; r < d.size; r++) (held[r] ? valRows : trainRows).push(r);
  const val = subset(d, valRows);
  val.name = `${d.name}:val`;
  return { train: subset(d, trainRows), val };
}
