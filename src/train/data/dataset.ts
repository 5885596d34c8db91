/**
 * The in-memory dataset every loader returns, and the row operations training
 * needs on it: subsets, mini-batches, class filtering, per-class sampling, and
 * a strict check that the samples fit a model input.
 */
import { InputError } from '../../errors.js';
import { Rng } from '../rng.js';

export interface Dataset {
  /** Where the rows came from, e.g. 'mnist:train' or the folder path. */
  name: string;
  /** Number of rows N. */
  size: number;
  /** Shape of one input, e.g. [1, 28, 28]. */
  sampleShape: number[];
  /** N * prod(sampleShape) values, row after row, each row in C order. */
  x: Float32Array;
  /** [N] class labels (classification). */
  labels?: Int32Array;
  /** [N * K] float targets, row after row. */
  targets?: Float32Array;
  /** K when targets are given. */
  targetWidth?: number;
  /** Class names when known; label i names classes[i]. */
  classes?: string[];
  /**
   * One-line notes from loading that are not errors (skipped files, a class
   * absent from this split), for the caller to show. Row operations
   * (subset, filterClasses, …) do not carry them over.
   */
  warnings?: string[];
}

/** prod(sampleShape): the number of values in one row of x. */
export function sampleSize(d: Pick<Dataset, 'sampleShape'>): number {
  let n = 1;
  for (const s of d.sampleShape) n *= s;
  return n;
}

function checkIndices(d: Dataset, indices: ArrayLike<number>, what: string): void {
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i]!;
    if (!Number.isInteger(r) || r < 0 || r >= d.size) {
      throw new InputError(`${what}: row index ${r} at position ${i} is outside dataset '${d.name}' of ${d.size} rows`);
    }
  }
}

/** Copies rows `indices` of x, labels and targets into fresh arrays, in that order. */
function gatherRows(
  d: Dataset,
  indices: ArrayLike<number>,
): { x: Float32Array; labels?: Int32Array; targets?: Float32Array } {
  const s = sampleSize(d);
  const n = indices.length;
  const x = new Float32Array(n * s);
  for (let i = 0; i < n; i++) {
    const r = indices[i]!;
    x.set(d.x.subarray(r * s, (r + 1) * s), i * s);
  }
  const out: { x: Float32Array; labels?: Int32Array; targets?: Float32Array } = { x };
  if (d.labels !== undefined) {
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) labels[i] = d.labels[indices[i]!]!;
    out.labels = labels;
  }
  if (d.targets !== undefined) {
    const k = d.targetWidth ?? 1;
    const targets = new Float32Array(n * k);
    for (let i = 0; i < n; i++) {
      const r = indices[i]!;
      targets.set(d.targets.subarray(r * k, (r + 1) * k), i * k);
    }
    out.targets = targets;
  }
  return out;
}

/**
 * A new dataset holding rows `indices` of `d`, in the given order (repeats
 * allowed); every array is a copy. Name, sample shape, target width and class
 * names carry over.
 */
export function subset(d: Dataset, indices: ArrayLike<number>): Dataset {
  checkIndices(d, indices, 'subset');
  const rows = gatherRows(d, indices);
  const out: Dataset = { name: d.name, size: indices.length, sampleShape: [...d.sampleShape], x: rows.x };
  if (rows.labels !== undefined) out.labels = rows.labels;
  if (rows.targets !== undefined) {
    out.targets = rows.targets;
    out.targetWidth = d.targetWidth ?? 1;
  }
  if (d.classes !== undefined) out.classes = [...d.classes];
  return out;
}

/**
 * Gathers rows `indices` into one batch tensor: x holds B * prod(sampleShape)
 * values and dims = [B, ...sampleShape], where B = indices.length. A
 * `batchShape` replaces sampleShape in dims (the per-sample dims a model
 * wants, e.g. [784] for a flattening input); it must hold the same number of
 * values. Labels and targets of the same rows come along when present.
 */
export function batchOf(
  d: Dataset,
  indices: ArrayLike<number>,
  batchShape?: number[],
): { x: Float32Array; dims: number[]; labels?: Int32Array; targets?: Float32Array } {
  checkIndices(d, indices, 'batchOf');
  const perSample = batchShape ?? d.sampleShape;
  if (batchShape !== undefined) {
    const ok = batchShape.every((s) => Number.isSafeInteger(s) && s > 0);
    if (!ok || sampleSize({ sampleShape: batchShape }) !== sampleSize(d)) {
      throw new InputError(
        `batchOf: batch shape [${batchShape.join(',')}] does not hold the ${sampleSize(d)} values of a [${d.sampleShape.join(',')}] sample of '${d.name}'`,
      );
    }
  }
  return { ...gatherRows(d, indices), dims: [indices.length, ...perSample] };
}

function requireLabels(d: Dataset, what: string): Int32Array {
  if (d.labels === undefined) throw new InputError(`${what}: dataset '${d.name}' has no class labels`);
  return d.labels;
}

/**
 * Keeps the rows whose label is in `keep`, in row order. With `relabel`,
 * label keep[i] becomes i and the class names become keep.map(k => classes[k]),
 * so a model with keep.length outputs can be trained on the result.
 */
export function filterClasses(d: Dataset, keep: number[], relabel = false): Dataset {
  const labels = requireLabels(d, 'filterClasses');
  const newLabel = new Map<number, number>();
  keep.forEach((k, i) => {
    if (!Number.isInteger(k) || k < 0) throw new InputError(`filterClasses: class ${k} is not a non-negative integer`);
    if (newLabel.has(k)) throw new InputError(`filterClasses: class ${k} is listed twice`);
    if (d.classes !== undefined && k >= d.classes.length) {
      throw new InputError(`filterClasses: class ${k} is outside the ${d.classes.length} classes of '${d.name}'`);
    }
    newLabel.set(k, i);
  });
  const rows: number[] = [];
  for (let r = 0; r < d.size; r++) if (newLabel.has(labels[r]!)) rows.push(r);
  const out = subset(d, rows);
  if (relabel) {
    const l = out.labels!;
    for (let i = 0; i < l.length; i++) l[i] = newLabel.get(l[i]!)!;
    if (d.classes !== undefined) out.classes = keep.map((k) => d.classes![k]!);
  }
  return out;
}

/**
 * Keeps up to `perClass` rows of each class; a class with fewer rows keeps
 * them all. Without a seed these are the first `perClass` rows of each class;
 * with a seed, each class (in increasing label order) draws its rows from one
 * Rng(seed) as the first `perClass` entries of a random permutation of its
 * rows. Either way the result is deterministic and in the original row order.
 */
export function takePerClass(d: Dataset, perClass: number, seed?: number): Dataset {
  const labels = requireLabels(d, 'takePerClass');
  if (!Number.isSafeInteger(perClass) || perClass < 0) {
    throw new InputError(`takePerClass: per-class count ${perClass} is not a non-negative integer`);
  }
  const byClass = new Map<number, number[]>();
  for (let r = 0; r < d.size; r++) {
    const l = labels[r]!;
    let rows = byClass.get(l);
    if (rows === undefined) byClass.set(l, (rows = []));
    rows.push(r);
  }
  const rng = seed === undefined ? undefined : new Rng(seed);
  const chosen: number[] = [];
  for (const l of [...byClass.keys()].sort((a, b) => a - b)) {
    const rows = byClass.get(l)!;
    if (rows.length <= perClass) chosen.push(...rows);
    else if (rng === undefined) chosen.push(...rows.slice(0, perClass));
    else {
      const perm = rng.permutation(rows.length);
      for (let i = 0; i < perClass; i++) chosen.push(rows[perm[i]!]!);
    }
  }
  return subset(d, chosen.sort((a, b) => a - b));
}

/** A fixed dim is a positive number; strings (dim_param, '?') and non-positive numbers match any size. */
function isFixed(dim: number | string | undefined): dim is number {
  return typeof dim === 'number' && dim > 0;
}

/**
 * Throws InputError naming `source` unless the dataset's samples fit the
 * model input `inputShape` (batch dim first): the ranks must agree and every
 * fixed non-batch dim must equal the matching sample dim exactly; symbolic
 * dims match anything. No reshaping is implied: 784 values do not fit a
 * [1,28,28] input. An unknown input shape (undefined) accepts anything.
 */
export function checkCompatible(d: Dataset, inputShape: (number | string)[] | undefined, source: string): void {
  if (inputShape === undefined) return;
  const want = inputShape.slice(1);
  const ok =
    inputShape.length >= 1 &&
    want.length === d.sampleShape.length &&
    want.every((w, i) => !isFixed(w) || w === d.sampleShape[i]);
  if (!ok) {
    throw new InputError(
      `${source}: samples of shape [${d.sampleShape.join(',')}] do not fit the model input [${inputShape.join(',')}] (each sample must be [${want.join(',')}])`,
    );
  }
}
