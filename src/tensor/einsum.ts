/**
 * Einstein summation: the equation parsed into integer labels, and the
 * product-and-sum evaluated as a chain of pairwise contractions, each one a
 * transpose, a reshape and a batched matrix product.
 *
 * Labels: a letter is its character code; the axes an ellipsis stands for are
 * −e … −1 (−1 the last), so ellipses of different lengths line up from the
 * right and broadcast as numpy's do.
 */
import { InputError, UnsupportedError } from '../errors.js';
import { broadcastTo, reduceSum } from './broadcast.js';
import { batchedMatmul } from './matmul.js';
import { reshape, sameShape, sizeOf, type Tensor } from './tensor.js';
import { transpose } from './transpose.js';

export interface EinsumEquation {
  /** each operand's labels, one per axis */
  inputs: number[][];
  /** the output's labels */
  output: number[];
  /** every label's size (the broadcast size for ellipsis axes) */
  sizes: Map<number, number>;
}

const LETTER = /^[a-zA-Z]$/;

/** A term's labels: letters as their codes, an ellipsis as `ellipsis` labels −e … −1. */
function termLabels(term: string, ellipsis: number | undefined, equation: string, where: string): { labels: number[]; hasEllipsis: boolean } {
  const parts = term.split('...');
  if (parts.length > 2) throw new InputError(`${where}: equation '${equation}' has two ellipses in one term`);
  const letters = (s: string) => Array.from(s, (c) => {
    if (!LETTER.test(c)) throw new InputError(`${where}: equation '${equation}' has the character '${c}'`);
    return c.charCodeAt(0);
  });
  const head = letters(parts[0]!);
  if (parts.length === 1) return { labels: head, hasEllipsis: false };
  const e = ellipsis ?? 0;
  return { labels: [...head, ...Array.from({ length: e }, (_, i) => i - e), ...letters(parts[1]!)], hasEllipsis: true };
}

function labelText(l: number): string {
  return l > 0 ? String.fromCharCode(l) : '...';
}

/**
 * The equation of an Einsum node on operands of dims `dims`: explicit
 * ('ij,jk->ik') or implicit ('ij,jk', output = the ellipsis axes then the
 * letters that occur once, in character order). A letter repeated within one
 * operand (a diagonal, 'ii->i') is not supported.
 */
export function parseEinsum(equation: string, dims: readonly (readonly number[])[], where: string): EinsumEquation {
  const eq = equation.replace(/\s+/g, '');
  const arrow = eq.split('->');
  if (arrow.length > 2) throw new InputError(`${where}: equation '${equation}' has more than one '->'`);
  const terms = arrow[0]!.split(',');
  if (terms.length !== dims.length) throw new InputError(`${where}: equation '${equation}' has ${terms.length} operands, the node ${dims.length}`);
  let E = 0;
  const inputs = terms.map((term, k) => {
    const rank = dims[k]!.length;
    const named = term.replace('...', '').length;
    const e = term.includes('...') ? rank - named : 0;
    if (e < 0 || (!term.includes('...') && named !== rank)) {
      throw new InputError(`${where}: term '${term}' of equation '${equation}' does not fit operand ${k} of rank ${rank}`);
    }
    E = Math.max(E, e);
    const { labels } = termLabels(term, e, equation, where);
    const seen = new Set<number>();
    for (const l of labels) {
      if (seen.has(l)) {
        throw new UnsupportedError(`${where}: equation '${equation}' repeats '${labelText(l)}' within operand ${k} (a diagonal or trace); only distinct indices per operand are supported`);
      }
      seen.add(l);
    }
    return labels;
  });
  const sizes = new Map<number, number>();
  inputs.forEach((labels, k) => labels.forEach((l, a) => {
    const d = dims[k]![a]!;
    const prev = sizes.get(l);
    if (prev === undefined || prev === d) sizes.set(l, d);
    else if (l < 0 && (prev === 1 || d === 1)) sizes.set(l, Math.max(prev, d));
    else throw new InputError(`${where}: index '${labelText(l)}' of equation '${equation}' has sizes ${prev} and ${d}`);
  }));
  const ellipsisLabels = Array.from({ length: E }, (_, i) => i - E);
  let output: number[];
  if (arrow.length === 2) {
    output = termLabels(arrow[1]!, E, equation, where).labels;
    const seen = new Set<number>();
    for (const l of output) {
      if (seen.has(l) || !sizes.has(l)) throw new InputError(`${where}: output index '${labelText(l)}' of equation '${equation}' is repeated or in no operand`);
      seen.add(l);
    }
  } else {
    const count = new Map<number, number>();
    for (const labels of inputs) for (const l of labels) if (l > 0) count.set(l, (count.get(l) ?? 0) + 1);
    output = [...ellipsisLabels, ...[...count].filter(([, c]) => c === 1).map(([l]) => l).sort((a, b) => a - b)];
  }
  return { inputs, output, sizes };
}

/** The full (broadcast) dims of labels. */
export function labelDims(labels: readonly number[], sizes: ReadonlyMap<number, number>): number[] {
  return labels.map((l) => sizes.get(l)!);
}

/** x summed over the labels not in `keep`; returns the tensor and its remaining labels. */
function sumAway(x: Tensor, labels: readonly number[], keep: (l: number) => boolean): [Tensor, number[]] {
  const axes = labels.map((l, a) => (keep(l) ? -1 : a)).filter((a) => a >= 0);
  if (axes.length === 0) return [x, [...labels]];
  return [reduceSum(x, axes, false), labels.filter((l) => keep(l))];
}

function permuted(x: Tensor, labels: readonly number[], order: readonly number[]): Tensor {
  return transpose(x, order.map((l) => labels.indexOf(l)));
}

/**
 * Σ over the shared labels not in `keep` of a·b: a [batch, aOnly, summed] and
 * b [batch, summed, bOnly] as a batched matrix product; the result's labels
 * are batch, aOnly, bOnly.
 */
function contractPair(a: Tensor, la: readonly number[], b: Tensor, lb: readonly number[], keep: ReadonlySet<number>): [Tensor, number[]] {
  const [a1, la1] = sumAway(a, la, (l) => keep.has(l) || lb.includes(l));
  const [b1, lb1] = sumAway(b, lb, (l) => keep.has(l) || la1.includes(l));
  const batch = la1.filter((l) => lb1.includes(l) && keep.has(l));
  const summed = la1.filter((l) => lb1.includes(l) && !keep.has(l));
  const aOnly = la1.filter((l) => !lb1.includes(l));
  const bOnly = lb1.filter((l) => !la1.includes(l));
  const size = (t: Tensor, labels: readonly number[], ls: readonly number[]) => sizeOf(ls.map((l) => t.dims[labels.indexOf(l)]!));
  const Bn = size(a1, la1, batch);
  const M = size(a1, la1, aOnly);
  const K = size(a1, la1, summed);
  const N = size(b1, lb1, bOnly);
  const am = reshape(permuted(a1, la1, [...batch, ...aOnly, ...summed]), [Bn, M, K]);
  const bm = reshape(permuted(b1, lb1, [...batch, ...summed, ...bOnly]), [Bn, K, N]);
  const labels = [...batch, ...aOnly, ...bOnly];
  const dims = labels.map((l) => (la1.includes(l) ? a1.dims[la1.indexOf(l)]! : b1.dims[lb1.indexOf(l)]!));
  return [reshape(batchedMatmul(am, bm), dims), labels];
}

/**
 * einsum(operands) with operand k labelled terms[k], output labelled `output`
 * (each output label in some operand): operands broadcast to the label
 * sizes, labels only one operand holds summed first, then contracted left
 * to right keeping the labels the output or a later operand needs.
 */
export function einsum(operands: readonly Tensor[], terms: readonly (readonly number[])[], output: readonly number[], sizes: ReadonlyMap<number, number>): Tensor {
  const wanted = (k: number) => new Set([...output, ...terms.slice(k).flat()]);
  const prepared = operands.map((x, k) => {
    const full = labelDims(terms[k]!, sizes);
    const y = sameShape(x.dims, full) ? x : broadcastTo(x, full);
    const others = new Set([...output, ...terms.filter((_, j) => j !== k).flat()]);
    return sumAway(y, terms[k]!, (l) => others.has(l));
  });
  let [acc, labels] = prepared[0]!;
  for (let k = 1; k < prepared.length; k++) {
    const [x, lx] = prepared[k]!;
    [acc, labels] = contractPair(acc, labels, x, lx, wanted(k + 1));
  }
  const [kept, left] = sumAway(acc, labels, (l) => output.includes(l));
  return permuted(kept, left, output);
}

/**
 * ∂L/∂operand k of y = einsum(operands) given δ = ∂L/∂y: the einsum of δ
 * (labelled `output`) with the other operands onto operand k's labels that
 * δ or another operand holds; summed over the axes operand k was broadcast
 * along, then broadcast over its labels no other term holds (those were
 * summed in the forward pass, so each of their entries receives all of δ).
 */
export function einsumGrad(dy: Tensor, operands: readonly Tensor[], eq: EinsumEquation, k: number): Tensor {
  const own = operands[k]!.dims;
  const mine = eq.inputs[k]!;
  const elsewhere = new Set([...eq.output, ...eq.inputs.filter((_, j) => j !== k).flat()]);
  const target = mine.filter((l) => elsewhere.has(l));
  const g = einsum(
    [dy, ...operands.filter((_, j) => j !== k)],
    [eq.output, ...eq.inputs.filter((_, j) => j !== k)],
    target, eq.sizes,
  );
  const ownOf = (l: number) => own[mine.indexOf(l)]!;
  const broadcastAxes = target.map((l, a) => (ownOf(l) !== eq.sizes.get(l) ? a : -1)).filter((a) => a >= 0);
  const reduced = broadcastAxes.length > 0 ? reduceSum(g, broadcastAxes, true) : g;
  const placed = reshape(reduced, mine.map((l) => (elsewhere.has(l) ? ownOf(l) : 1)));
  return sameShape(placed.dims, own) ? placed : broadcastTo(placed, own);
}
