/**
 * The step's update with each trained parameter as its own input and output
 * (StepIo 'split'): the forward pass reads the parameters under their own
 * names, and each parameter is updated from its own gradient as soon as the
 * gradient exists,
 *
 *   W′_p = update(W_p, g_p · c, slots_p)        c = min(1, maxNorm / (‖g‖ + 10⁻⁶)) when clipping, else 1
 *   ‖g‖² = Σ_p Σ_rows Σ_cols g_p²                (rows: W_p's first axis, when clipping; only when clipping or asked for)
 *   check = Σ_p Σ_rows Σ_cols W′_p                (finite exactly when every new weight is; rows: W′_p's first axis, for large W_p)
 *
 * Plain SGD (no weight decay) without the norm multiplies the rate into the
 * product that makes a gradient, when one Gemm does (g_p = α·op(A)·op(B),
 * viewed in W_p's dims): W′_p = W_p − Gemm(lr·A, B) (or A, lr·B: whichever
 * operand is smaller), one pass over the layer's weights fewer than
 * W_p − lr·g_p (ResNet-18's 3×3 layers hold 2.4M values each). Folding W_p
 * in as the Gemm's C as well is slower: ONNX Runtime copies C into the
 * output before the product, and its products with C ran 1.3–1.7 ms longer
 * on layer4's [512, 4608] gradients than the product, Mul and Sub together
 * (bench/profile-step.ts, two threads).
 *
 * so that no flat copy of the weights, the gradients or the slots is made,
 * and without clipping a gradient is dead once its parameter is updated. The
 * update reads and writes each parameter as one axis (its slots are inputs
 * and its new values outputs of that 1-D shape). The host feeds views of its
 * flat vectors and has the new values written into views of others
 * (FlatLayout order), so the state it keeps is the same as with flat input
 * and output.
 */
import { Attrs } from '../graph/attributes.js';
import type { NodeProto } from '../onnx/types.js';
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
  /** compute the gradient's global norm without clipping too */
  norm: boolean;
  opset: number;
  /** the trained parameters in FlatLayout order, with their dims and the index of their group */
  params: readonly { name: string; dims: readonly number[]; group: number }[];
  /** each parameter's gradient, in its dims */
  grads: ReadonlyMap<string, string>;
  /** entry i of the step's scalar vector, as a [1] tensor */
  entry: (i: number) => string;
}

export interface SplitUpdate {
  /** the gradient's global norm ‖g‖, before clipping (a scalar), when clipping or asked for */
  norm: string | undefined;
  /** Σ of every new weight (a scalar) */
  check: string;
  /** per parameter: its new weight (1-D) and its new slots by slot name */
  updated: Map<string, { weight: string; slots: Record<string, string> }>;
}

/** The node among `nodes` that writes `value`. */
function producerOf(nodes: readonly NodeProto[], value: string): NodeProto | undefined {
  for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i]!.output.includes(value)) return nodes[i];
  return undefined;
}

/** How many inputs of `nodes` read `value`. */
function readers(nodes: readonly NodeProto[], value: string): number {
  let n = 0;
  for (const node of nodes) for (const v of node.input) if (v === value) n++;
  return n;
}

/**
 * The Gemm whose product is the gradient `g` of a parameter of dims `wDims`
 * (itself, or through one Reshape to them), when nothing else reads that
 * product: its node and the product's [M, K]. Below opset 11 its C must be
 * the scalar zero the emitters give it.
 */
function gradientGemm(e: GraphEmitter, g: string, wDims: readonly number[], opset: number): { gemm: NodeProto; dims: readonly number[] } | undefined {
  const p = producerOf(e.nodes, g);
  const viaReshape = p?.op_type === 'Reshape';
  if (readers(e.nodes, g) !== 0) return undefined;
  const value = viaReshape ? p.input[0]! : g;
  const gemm = viaReshape ? producerOf(e.nodes, value) : p;
  if (!gemm || gemm.op_type !== 'Gemm' || (gemm.domain ?? '') !== '' || (viaReshape && readers(e.nodes, value) !== 1)) return undefined;
  if (gemm.input.length > 2 && !(opset < 11 && gemm.input[2] === e.floats([0], []))) return undefined;
  const dims = viaReshape ? e.knownDims(value) : wDims;
  const size = wDims.reduce((a, b) => a * b, 1);
  return dims && dims.length === 2 && dims[0]! * dims[1]! === size ? { gemm, dims } : undefined;
}

/** lr·α·op(A)·op(B) in the product's [M, K] as one Gemm, lr multiplied into the smaller of A (M rows) and B (K columns). */
function scaledProductEmit(e: GraphEmitter, gemm: NodeProto, out: readonly number[], lr: string): string {
  const attrs = new Attrs(gemm);
  const [a, b] = [gemm.input[0]!, gemm.input[1]!];
  const scaled = out[0]! <= out[1]! ? [e.add('Mul', [a, lr])[0]!, b] : [a, e.add('Mul', [b, lr])[0]!];
  const y = e.add('Gemm', [...scaled, ...gemm.input.slice(2)], {
    transA: attrs.int('transA', 0), transB: attrs.int('transB', 0), alpha: { float: attrs.float('alpha', 1) },
  })[0]!;
  e.setDims(y, out);
  return y;
}

/**
 * Parameters of at least this many values have their update check summed by
 * rows of their first axis first: ONNX Runtime sums a whole tensor into one
 * scalar on one thread, and rows on all of them (2.4M values, two threads:
 * 0.08 ms against 0.15; 590k: 0.027 against 0.045; at 147k and below no
 * faster).
 */
export const CHECK_ROWS_VALUES = 1 << 18;

/**
 * `reduce` (ReduceSum or ReduceSumSquare) of a value of dims `dims` to a
 * scalar; by rows of its first axis first when `rows` (float32 sums of
 * fewer values each, and rows run in parallel).
 */
function reduceAll(e: GraphEmitter, reduce: 'ReduceSum' | 'ReduceSumSquare', g: string, dims: readonly number[], rows: boolean, opset: number): string {
  const op = (o: string, i: string[], a = {}) => e.add(o, i, a)[0]!;
  const size = dims.reduce((a, b) => a * b, 1);
  if (!rows || dims.length < 2 || dims[0]! === 1 || dims[0]! === size) return op(reduce, [g], { keepdims: 0 });
  const m = op('Reshape', [g, e.ints([dims[0]!, size / dims[0]!])]);
  const axesAsInput = opset >= (reduce === 'ReduceSum' ? 13 : 18);
  const rowSums = axesAsInput ? op(reduce, [m, e.ints([1])], { keepdims: 0 }) : op(reduce, [m], { axes: [1], keepdims: 0 });
  return op('ReduceSum', [rowSums], { keepdims: 0 });
}

/** A sum of scalars (one Sum node; a single one is itself). */
function sumOf(e: GraphEmitter, parts: readonly string[]): string {
  return parts.length === 1 ? parts[0]! : e.add('Sum', [...parts])[0]!;
}

/** Emit the per-parameter update. The scalar vector holds the clipping bound first (when clipping), then each group's optimizer scalars. */
export function emitSplitUpdate(e: GraphEmitter, o: SplitUpdateInputs): SplitUpdate {
  const op = (t: string, i: string[]) => e.add(t, i)[0]!;
  const norm = o.clip || o.norm ? op('Sqrt', [sumOf(e, o.params.map((p) => reduceAll(e, 'ReduceSumSquare', o.grads.get(p.name)!, p.dims, o.clip, o.opset)))]) : undefined;
  const scaleProducts = o.optimizer === 'sgd' && o.hyper.weightDecay === 0 && norm === undefined;
  let factor: string | undefined;
  if (norm !== undefined && o.clip) {
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
    const product = scaleProducts ? gradientGemm(e, o.grads.get(p.name)!, p.dims, o.opset) : undefined;
    let u: { weight: string; slots: Record<string, string> };
    if (product) {
      const step = e.add('Reshape', [scaledProductEmit(e, product.gemm, product.dims, scalarOf(p.group)('lr')), e.ints(size)])[0]!;
      u = { weight: op('Sub', [flat(p.name), step]), slots: {} };
    } else {
      const grad = flat(o.grads.get(p.name)!);
      const g = factor ? op('Mul', [grad, factor]) : grad;
      const slots = Object.fromEntries(slotNames[o.optimizer].map((s) => [s, paramSlotInput(s, p.name)]));
      u = emitUpdate(e, o.optimizer, o.hyper, flat(p.name), g, slots, scalarOf(p.group));
    }
    updated.set(p.name, u);
    sums.push(reduceAll(e, 'ReduceSum', u.weight, p.dims, size[0]! >= CHECK_ROWS_VALUES, o.opset));
  }
  return { norm, check: sumOf(e, sums), updated };
}
