/**
 * Classification metrics: argmax predictions and correct counts over a batch
 * of model outputs viewed as [N, K], confusion matrices and their text form,
 * and the check that class labels fit the model's outputs.
 */
import { InputError } from '../errors.js';
import type { HostTensor } from '../runtime/host-tensor.js';
import type { Dataset } from './data/dataset.js';

/** Index of the largest value in each row of y viewed as [N, K]. */
export function argmaxRows(y: Float32Array, n: number): Int32Array {
  const k = y.length / n;
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (y[r * k + c]! > y[r * k + best]!) best = c;
    out[r] = best;
  }
  return out;
}

/** Correct predictions against int labels or against the argmax of float targets. */
export function countCorrect(y: Float32Array, n: number, target: HostTensor): number {
  const pred = argmaxRows(y, n);
  const t = target.data;
  let correct = 0;
  if (t instanceof BigInt64Array || t instanceof Int32Array) {
    for (let i = 0; i < n; i++) if (pred[i] === Number(t[i])) correct++;
  } else {
    const tl = argmaxRows(t as Float32Array, n);
    for (let i = 0; i < n; i++) if (pred[i] === tl[i]) correct++;
  }
  return correct;
}

/** Per-class results and the confusion matrix of a set of predictions. */
export interface Confusion {
  /** K, the number of classes (the model's output width) */
  classes: number;
  /** K×K counts: matrix[t][p] rows of true class t predicted as p */
  matrix: number[][];
  /** per true class: its rows, how many were predicted right, and their share (NaN for a class without rows) */
  perClass: { rows: number; correct: number; accuracy: number }[];
  /** correct predictions over all rows */
  accuracy: number;
  size: number;
}

/**
 * The confusion matrix of predicted against true classes (rows: true class,
 * columns: predicted). Every class must be an integer in 0..classes−1; `what`
 * names the data in the error.
 */
export function confusionFromPredictions(pred: ArrayLike<number>, truth: ArrayLike<number>, classes: number, what = 'predictions'): Confusion {
  if (pred.length !== truth.length) throw new InputError(`${what}: ${pred.length} predictions for ${truth.length} true classes`);
  if (!Number.isInteger(classes) || classes < 1) throw new InputError(`${what}: the number of classes must be a positive integer, got ${classes}`);
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0;
  for (let i = 0; i < pred.length; i++) {
    const t = truth[i]!, p = pred[i]!;
    for (const [v, kind] of [[t, 'true class'], [p, 'predicted class']] as const) {
      if (!Number.isInteger(v) || v < 0 || v >= classes) throw new InputError(`${what}: ${kind} ${v} at row ${i} is outside 0..${classes - 1}`);
    }
    matrix[t]![p]!++;
    if (t === p) correct++;
  }
  const perClass = matrix.map((row, c) => {
    const rows = row.reduce((a, b) => a + b, 0);
    return { rows, correct: row[c]!, accuracy: rows > 0 ? row[c]! / rows : NaN };
  });
  return { classes, matrix, perClass, accuracy: pred.length > 0 ? correct / pred.length : NaN, size: pred.length };
}

/** `s` in exactly `w` characters: cut with an ellipsis when longer, padded (left or right) when shorter. */
function fitTo(s: string, w: number, align: 'left' | 'right'): string {
  const t = s.length > w ? `${s.slice(0, Math.max(0, w - 1))}…` : s;
  return align === 'left' ? t.padEnd(w) : t.padStart(w);
}

function percent(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '—';
}

/** Lines of text no longer than this. */
const WIDTH = 80;
/** Beyond this many classes the matrix does not fit: one line per class instead. */
const MATRIX_CLASSES = 10;

/**
 * The confusion matrix as aligned text, at most 80 columns wide: for up to
 * 10 classes the K×K table (rows: true class, columns: predicted, then each
 * class's accuracy and row count), class names shortened to fit; beyond 10,
 * one line per class with its accuracy and the class its rows are most often
 * mistaken for. Names default to the class indices.
 */
export function formatConfusion(c: Confusion, classNames?: readonly string[]): string {
  const name = (k: number) => classNames?.[k] ?? String(k);
  const names = Array.from({ length: c.classes }, (_, k) => name(k));
  const total = `accuracy ${percent(c.accuracy)} over ${c.size} row(s)`;
  if (c.classes <= MATRIX_CLASSES) {
    const maxCount = Math.max(0, ...c.matrix.flat());
    const rowsWidth = Math.max(4, String(Math.max(0, ...c.perClass.map((p) => p.rows))).length);
    const tail = 2 + 6 + 2 + rowsWidth;
    const labelWidth = Math.min(12, Math.max(9, ...names.map((n) => n.length)));
    const room = Math.floor((WIDTH - labelWidth - tail) / c.classes) - 1;
    const cell = Math.max(String(maxCount).length, Math.min(room, Math.max(3, ...names.map((n) => n.length))));
    const head = [fitTo('true\\pred', labelWidth, 'left'), ...names.map((n) => fitTo(n, cell, 'right')), ` ${'acc'.padStart(7)}`, fitTo('rows', rowsWidth + 1, 'right')];
    const lines = [head.join(' ').trimEnd()];
    c.matrix.forEach((row, t) => {
      const p = c.perClass[t]!;
      lines.push([fitTo(names[t]!, labelWidth, 'left'), ...row.map((v) => String(v).padStart(cell)), ` ${percent(p.accuracy).padStart(7)}`, String(p.rows).padStart(rowsWidth + 1)].join(' '));
    });
    lines.push(total);
    return lines.join('\n');
  }
  const labelWidth = Math.min(24, Math.max(5, ...names.map((n) => n.length)));
  const lines = [`${fitTo('class', labelWidth, 'left')}   rows  accuracy  most often predicted instead`];
  c.matrix.forEach((row, t) => {
    const p = c.perClass[t]!;
    let other = -1;
    row.forEach((v, k) => { if (k !== t && v > 0 && (other < 0 || v > row[other]!)) other = k; });
    const head = `${fitTo(names[t]!, labelWidth, 'left')} ${String(p.rows).padStart(6)}  ${percent(p.accuracy).padStart(8)}  `;
    const mistaken = other < 0 ? '—' : `${name(other)} (${row[other]})`;
    lines.push(head + fitTo(mistaken, WIDTH - head.length, 'left').trimEnd());
  });
  lines.push(total);
  return lines.join('\n');
}

/**
 * Refuses class labels outside 0..classes−1 before training: an InputError
 * naming the split, the label and its row. Float targets must be `classes`
 * wide. Data without labels or targets passes.
 */
export function checkLabels(d: Pick<Dataset, 'name' | 'size' | 'labels' | 'targets' | 'targetWidth'>, classes: number, split: string): void {
  if (d.labels) {
    for (let r = 0; r < d.labels.length; r++) {
      const l = d.labels[r]!;
      if (!Number.isInteger(l) || l < 0 || l >= classes) {
        throw new InputError(`${split} data '${d.name}': label ${l} at row ${r} is outside 0..${classes - 1} (the model has ${classes} output classes)`);
      }
    }
  } else if (d.targets && (d.targetWidth ?? 1) !== classes) {
    throw new InputError(`${split} data '${d.name}': targets are ${d.targetWidth ?? 1} wide, the model has ${classes} outputs`);
  }
}

/**
 * The same check on one batch's target (int labels [N]): an InputError naming
 * `what`, the label and its row in the batch. Float targets pass.
 */
export function checkBatchLabels(target: HostTensor, classes: number, what: string): void {
  const t = target.data;
  if (!(t instanceof BigInt64Array || t instanceof Int32Array)) return;
  for (let r = 0; r < t.length; r++) {
    const l = Number(t[r]);
    if (!Number.isInteger(l) || l < 0 || l >= classes) {
      throw new InputError(`${what}: label ${l} at row ${r} of the batch is outside 0..${classes - 1} (the model has ${classes} output classes)`);
    }
  }
}
