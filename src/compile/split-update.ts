/**
 * The step's update with each trained parameter as its own input and output
 * (StepIo 'split'): the forward pass reads the parameters under their own
 * names, and each parameter is updated from its own gradient as soon as the
 * gradient exists,
 *
 *   W′_p = update(W_p, g_p · c, slots_p)        c = min(1, maxNorm / (‖g‖ + 10⁻⁶)) when clipping, else 1
 *   ‖g‖² = Σ_p Σ_rows Σ_cols g_p²                (rows: W_p's first axis, when clipping)
 *   check = Σ_p Σ W′_p                            (finite exactly when every new weight is)
 *
 * so that no flat copy of the weights, the gradients or the slots is made,
 * and without clipping a gradient is dead once its parameter is updated. The
 * update reads and writes each parameter as one axis (its slots are inputs
 * and its new values outputs of that 1-D shape). The host feeds views of its
 * flat vectors and has the new values written into views of others
 * (FlatLayout order), so the state it keeps is the same as with flat input
 * and output.
 */
import type { OptimizerName } from '../train/optimizers/index.js';
import type { GraphEmitter } from './emit.js';
import { emitUpdate, slotNames, usedScalars, type OptimizerHyper, type StepScalars } from './optimizer-emit.js';

/** The input of a parameter's optimizer slot, and the outputs of its new weight and new slot, in a 'split' step. */
export const paramSlotInput = (slot: string, param: string) => `edgetune.slot::${slot}::${param}`;
export const newParam = (param: string) => `edgetune.new/${param}`;
export const newParamSlot = (slot: string, param: string) => `edgetune.new/slot::${slot}::${param}`;

export interface SplitUpdateInputs {
  optimizer: OptimizerName;
  hyper: OptimizerHyper;
  clip: boolean;
  opset: number;
  /** the trained parameters in FlatLayout order, with their dims and the index of their group */
  params: readonly { name: string; dims: readonly number[]; group: number }[];
  /** each parameter's gradient, in its dims */
  grads: ReadonlyMap<string, string>;
  /** entry i of the step's scalar vector, as a [1] tensor */
  entry: (i: number) => string;
}

export interface SplitUpdate {
  /** the gradient's global norm ‖g‖, before clipping (a scalar) */
  norm: string;
  /** Σ of every new weight (a scalar) */
  check: string;
  /** per parameter: its new weight and its new slots by slot name */
  updated: Map<string, { weight: string; slots: Record<string, string> }>;
}

/** Σ x² of one gradient as a scalar; by rows of W's first axis first when `rows` (float32 sums of fewer values each). */
function sumSquares(e: GraphEmitter, g: string, dims: readonly number[], rows: boolean, opset: number): string {
  const op = (o: string, i: string[], a = {}) => e.add(o, i, a)[0]!;
  const size = dims.reduce((a, b) => a * b, 1);
  if (!rows || dims.length < 2 || dims[0]! === 1 || dims[0]! === size) return op('ReduceSumSquare', [g], { keepdims: 0 });
  const m = op('Reshape', [g, e.ints([dims[0]!, size / dims[0]!])]);
  const rowSums = opset >= 18 ? op('ReduceSumSquare', [m, e.ints([1])], { keepdims: 0 }) : op('ReduceSumSquare', [m], { axes: [1], keepdims: 0 });
  return op('ReduceSum', [rowSums], { keepdims: 0 });
}

/** A sum of scalars (one Sum node; a single one is itself). */
function sumOf(e: GraphEmitter, parts: readonly string[]): string {
  return parts.length === 1 ? parts[0]! : e.add('Sum', [...parts])[0]!;
}

/** Emit the per-parameter update. The scalar vector holds the clipping bound first (when clipping), then each group's optimizer scalars. */
export function emitSplitUpdate(e: GraphEmitter, o: SplitUpdateInputs): SplitUpdate {
  const op = (t: string, i: string[]) => e.add(t, i)[0]!;
  const squares = sumOf(e, o.params.map((p) => sumSquares(e, o.grads.get(p.name)!, p.dims, o.clip, o.opset)));
  const norm = op('Sqrt', [squares]);
  let factor: string | undefined;
  if (o.clip) {
    const ratio = op('Div', [o.entry(0), op('Add', [norm, e.floats([1e-6], [])])]);
    factor = op('Min', [ratio, e.floats([1], [1])]);
  }
  const used = usedScalars[o.optimizer];
  const first = o.clip ? 1 : 0;
  const scalarCache = new Map<string, string>();
  const scalarOf = (group: number) => (k: keyof StepScalars): string => {
    const key = `${group}:${k}`;
    let v = scalarCache.get(key);
    if (!v) {
      v = o.entry(first + group * used.length + used.indexOf(k));
      scalarCache.set(key, v);
    }
    return v;
  };
  const updated = new Map<string, { weight: string; slots: Record<string, string> }>();
  const sums: string[] = [];
  for (const p of o.params) {
    // the update runs on 1-D views: ONNX Runtime broadcasts a scalar over a tensor with trailing unit axes
    // (a 1×1 kernel's [M, C, 1, 1]) about 10× slower than over the same values as one axis
    const size = [p.dims.reduce((a, b) => a * b, 1)];
    const flat = (v: string) => (p.dims.length === 1 ? v : e.add('Reshape', [v, e.ints(size)])[0]!);
    const grad = flat(o.grads.get(p.name)!);
    const g = factor ? op('Mul', [grad, factor]) : grad;
    const slots = Object.fromEntries(slotNames[o.optimizer].map((s) => [s, paramSlotInput(s, p.name)]));
    const u = emitUpdate(e, o.optimizer, o.hyper, flat(p.name), g, slots, scalarOf(p.group));
    updated.set(p.name, u);
    sums.push(e.add('ReduceSum', [u.weight], { keepdims: 0 })[0]!);
  }
  return { norm, check: sumOf(e, sums), updated };
}
