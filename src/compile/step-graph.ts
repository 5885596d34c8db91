/**
 * The whole training step as one ONNX model: forward + loss + backward +
 * optimizer update. It takes the batch, the target, the weights, the
 * optimizer slots and the step's scalars, and returns the new weights, the new
 * slots, the loss, the model output, the gradient norm and a finiteness check
 * of the new weights — one session.run per step.
 *
 * With StepIo 'flat' the weights and each optimizer slot travel as one flat
 * vector over all parameters (FlatLayout): the graph splits the weights into
 * the parameters the forward pass reads, concatenates the flattened
 * gradients, and runs the norm, clipping, update and finiteness check once
 * over the whole vector. With 'split' each parameter and each of its slots is
 * an input and an output of its own (split-update.ts), which the host binds
 * to views of the same flat vectors. The step's scalars (the clipping bound,
 * then each group's optimizer scalars) are one vector input.
 */
import type { LossName } from '../grad/losses.js';
import type { BackwardPlan } from '../grad/plan.js';
import type { OnnxModel } from '../model.js';
import { findTensor, subgraphReads } from '../graph/constant-tensors.js';
import { valueInfo } from '../onnx/builder.js';
import { DataType } from '../onnx/dtypes.js';
import { defaultOpset } from '../onnx/model-io.js';
import type { ModelProto, NodeProto } from '../onnx/types.js';
import { lowerEdgetuneOps } from '../runtime/lower.js';
import { trainingView } from '../runtime/training-view.js';
import type { OptimizerName } from '../train/optimizers/index.js';
import { emitBackward } from './backward-graph.js';
import { GraphEmitter, type EmitContext } from './emit.js';
import { concatTreeEmit } from './emit-helpers.js';
import { rewriteForwardConvs } from './forward-rewrite.js';
import { emitLoss } from './loss-emit.js';
import { emitUpdate, slotNames, usedScalars, type OptimizerHyper, type StepScalars } from './optimizer-emit.js';
import { setDefaultOpset, stepOpset } from './step-opset.js';
import { emitSplitUpdate, newParam, newParamSlot, paramSlotInput } from './split-update.js';

export const TARGET = 'edgetune.target';
export const LOSS = 'edgetune.loss';
export const GRAD_NORM = 'edgetune.grad_norm';
/**
 * Σ w′ over every new weight: finite when all are, NaN or ±∞ when any is
 * not (one pass, no temporary; a sum past the float range, from weights
 * beyond about 10³¹ in magnitude, also counts as not finite).
 */
export const UPDATE_CHECK = 'edgetune.update_check';
/** The flat weights of every trained parameter (FlatLayout order). */
export const WEIGHTS = 'edgetune.weights';
export const NEW_WEIGHTS = 'edgetune.new/weights';
/** The step's scalars: the clipping bound (when clipping), then each group's optimizer scalars (usedScalars order). */
export const SCALARS = 'edgetune.scalars';
/** A flat optimizer slot (FlatLayout order) and its updated value. */
export const slotInput = (s: string) => `edgetune.slot::${s}`;
export const newSlot = (s: string) => `edgetune.new/slot::${s}`;

/**
 * How the trained parameters lie in the step's flat vectors: in groups that
 * share their step scalars (a learning rate, a step count), each parameter's
 * values contiguous, row-major.
 */
export interface FlatLayout {
  /** the parameters in flat order (group by group) */
  params: readonly string[];
  dims: readonly (readonly number[])[];
  offsets: readonly number[];
  sizes: readonly number[];
  /** the values of all parameters, Σ sizes */
  used: number;
  /**
   * the flat vectors' length: `used` and a zero tail, a whole number of rows
   * of `width`, so that the gradient's norm can sum rows first (float32 sums
   * of about √used values each, where one sum over millions loses digits)
   */
  total: number;
  width: number;
  /** each group's parameters' index range [begin, end) in `params` */
  groups: readonly (readonly [number, number])[];
}

/** The layout of `groups` (each a list of parameters) with the parameters' dims. */
export function flatLayout(groups: readonly (readonly string[])[], dims: (p: string) => readonly number[]): FlatLayout {
  const params = groups.flat();
  const pd = params.map((p) => [...dims(p)]);
  const sizes = pd.map((d) => d.reduce((a, b) => a * b, 1));
  const offsets: number[] = [];
  let used = 0;
  for (const n of sizes) { offsets.push(used); used += n; }
  const ranges: [number, number][] = [];
  let begin = 0;
  for (const g of groups) { ranges.push([begin, begin + g.length]); begin += g.length; }
  const width = 16 * Math.max(1, Math.ceil(Math.sqrt(used) / 16));
  return { params, dims: pd, offsets, sizes, used, total: width * Math.ceil(used / width), width, groups: ranges };
}

/** The scalar vector's length for a layout, optimizer and clipping. */
export function scalarCount(layout: FlatLayout, optimizer: OptimizerName, clip: boolean): number {
  return (clip ? 1 : 0) + layout.groups.length * usedScalars[optimizer].length;
}

/** The step's scalar vector: the clipping bound, then each group's scalars (those of its first parameter). */
export function scalarVector(layout: FlatLayout, optimizer: OptimizerName, clip: boolean, scalars: (p: string) => StepScalars, maxNorm: number): Float32Array {
  const used = usedScalars[optimizer];
  const out = new Float32Array(scalarCount(layout, optimizer, clip));
  let i = 0;
  if (clip) out[i++] = maxNorm;
  for (const [begin] of layout.groups) {
    const sc = scalars(layout.params[begin]!);
    for (const k of used) out[i++] = sc[k];
  }
  return out;
}

export interface StepGraphOptions {
  loss: LossName;
  optimizer: OptimizerName;
  hyper: OptimizerHyper;
  /** integer labels [N] (true) or float targets with the output's N·K values, in any shape (false) */
  labels: boolean;
  /** the target's dims and element type as fed (the loss's contract, src/grad/losses.ts) */
  target: { dims: readonly number[]; elemType: number };
  /** forward values to return as well (BatchNormalization's batch statistics) */
  extraOutputs?: readonly string[];
  /** clip gradients to a global norm, the first entry of the scalar vector */
  clip: boolean;
  /** return the gradient's global norm (GRAD_NORM) without clipping too (with clipping it is always returned) */
  gradNorm?: boolean;
  /** where each trained parameter lies in the flat vectors */
  layout: FlatLayout;
  /** the most operands of a Concat or Split (EmitContext.maxOperands; default unlimited) */
  maxOperands?: number;
  /** the step runs on a GPU execution provider (EmitContext.gpu) */
  gpu?: boolean;
  /** the NCHWc block of the CPU provider the step runs on (EmitContext.nchwcBlock) */
  nchwcBlock?: number;
  /** how the weights and slots enter and leave the step (default 'flat') */
  io?: StepIo;
  /** values the shape pass read for the rules (EmitContext.recordedValues) */
  recorded?: ReadonlyMap<string, readonly number[]>;
}

/**
 * How the step's weights and optimizer slots enter and leave it:
 *   'flat'  one input and one output each, over the whole FlatLayout (what
 *           GPU-resident state needs, and the fewest nodes for small models);
 *   'split' one input and output per parameter (and per slot), which the
 *           host binds to views of its flat vectors: no copies of the whole
 *           vector inside the step, and (without clipping) nothing reads a
 *           gradient after its parameter's update.
 */
export type StepIo = 'flat' | 'split';

/** Give the value `from`, produced by one of `nodes`, the name `to` (every reader follows), so that no Identity copy is needed. */
function renameValue(nodes: NodeProto[], from: string, to: string): boolean {
  const producer = nodes.find((n) => n.output.includes(from));
  if (!producer) return false;
  for (const n of nodes) {
    if (n.input.includes(from)) n.input = n.input.map((v) => (v === from ? to : v));
    if (n.output.includes(from)) n.output = n.output.map((v) => (v === from ? to : v));
  }
  return true;
}

/** Name `value` `name`: by renaming its producer's output, or by an Identity where it has none among `nodes`. */
function nameOutput(e: GraphEmitter, value: string, name: string): void {
  if (!renameValue(e.nodes, value, name)) e.nodes.push({ input: [value], output: [name], op_type: 'Identity', name: `${name}/out`, attribute: [], metadata_props: [] });
}

/** nameOutput for many values at once, in one pass over the nodes (each value named once). */
function nameOutputs(e: GraphEmitter, pairs: readonly (readonly [string, string])[]): void {
  const produced = new Set(e.nodes.flatMap((n) => n.output));
  const rename = new Map<string, string>();
  for (const [value, name] of pairs) {
    if (produced.has(value) && !rename.has(value)) rename.set(value, name);
    else e.nodes.push({ input: [value], output: [name], op_type: 'Identity', name: `${name}/out`, attribute: [], metadata_props: [] });
  }
  if (rename.size === 0) return;
  for (const n of e.nodes) {
    if (n.input.some((v) => rename.has(v))) n.input = n.input.map((v) => rename.get(v) ?? v);
    if (n.output.some((v) => rename.has(v))) n.output = n.output.map((v) => rename.get(v) ?? v);
  }
}

/** `x` [Σ sizes] split into pieces of `sizes`, by a tree of Splits of at most `k` outputs each. */
function splitTree(e: GraphEmitter, x: string, sizes: readonly number[], opset: number, k: number): string[] {
  if (sizes.length === 1) return [x];
  const split = (v: string, parts: readonly number[]) => (opset >= 13
    ? e.add('Split', [v, e.ints([...parts])], { axis: 0 }, parts.length)
    : e.add('Split', [v], { axis: 0, split: [...parts] }, parts.length));
  if (sizes.length <= k) return split(x, sizes);
  const per = Math.ceil(sizes.length / Math.ceil(sizes.length / k));
  const chunks: number[][] = [];
  for (let i = 0; i < sizes.length; i += per) chunks.push(sizes.slice(i, i + per));
  const heads = split(x, chunks.map((c) => c.reduce((a, b) => a + b, 0)));
  return heads.flatMap((h, i) => splitTree(e, h, chunks[i]!, opset, k));
}

/** The flat weights split into the parameters the forward pass reads, under their own names. */
function unpackWeights(e: GraphEmitter, layout: FlatLayout, opset: number): NodeProto[] {
  const { params, dims, sizes } = layout;
  const tail = layout.total - layout.used;
  const pieces = splitTree(e, WEIGHTS, tail > 0 ? [...sizes, tail] : sizes, opset, Math.max(2, e.maxOperands));
  params.forEach((p, i) => {
    const d = dims[i]!;
    if (d.length === 1 && pieces[i] !== WEIGHTS) renameValue(e.nodes, pieces[i]!, p);
    else e.nodes.push({ input: d.length === 1 ? [pieces[i]!] : [pieces[i]!, e.ints(d)], output: [p], op_type: d.length === 1 ? 'Identity' : 'Reshape', name: `${p}/unpack`, attribute: [], metadata_props: [] });
  });
  return e.nodes.splice(0);
}

export function compileStep(model: OnnxModel, plan: BackwardPlan, shapes: Map<string, readonly number[]>, opts: StepGraphOptions): ModelProto {
  const { layout } = opts;
  const proto = trainingView(model, plan.params, []);
  const g = proto.graph!;
  const e = new GraphEmitter(shapes, 'step', {
    maxOperands: opts.maxOperands ?? Infinity, gpu: opts.gpu ?? false, ...(opts.nchwcBlock !== undefined ? { nchwcBlock: opts.nchwcBlock } : {}),
    constant: (name) => findTensor(g, name), ...(opts.recorded ? { recorded: opts.recorded } : {}),
  });
  const yDims = shapes.get(plan.output)!;
  const opset = stepOpset(proto, opts.gpu ?? false);
  if (opset !== defaultOpset(proto)) setDefaultOpset(proto, opset);
  const trained = new Set(layout.params);
  const split = opts.io === 'split';
  let unpack: NodeProto[] = [];
  if (!split) {
    g.input = g.input.filter((v) => !trained.has(v.name ?? ''));
    g.input.push(valueInfo(WEIGHTS, DataType.FLOAT, [layout.total]));
    unpack = unpackWeights(e, layout, opset);
    // the parameters keep their declared dims, which passes that lay out their consumers read
    layout.params.forEach((p, i) => g.value_info.push(valueInfo(p, DataType.FLOAT, [...layout.dims[i]!])));
  }
  // Subsample as AveragePool·n²·β + b, as inference runs it: ONNX Runtime pools several times faster than its
  // function body's block ReduceSum (the backward reads only the call's inputs and output)
  lowerEdgetuneOps(proto, model.file, { only: ['Subsample'] });
  g.node = rewriteForwardConvs(g.node, plan, e, trained, opset);
  g.input.push(valueInfo(TARGET, opts.target.elemType, [...opts.target.dims]));
  const loss = emitLoss(e, opts.loss, plan.output, yDims, TARGET, opts.labels, opset);
  const grads = emitBackward(plan, e, loss.grad, opset);
  if (split) return finishSplit(proto, e, plan, opts, opset, loss.loss, grads);

  const op = (o: string, i: string[], a = {}) => e.add(o, i, a)[0]!;
  const ctx: Pick<EmitContext, 'op' | 'setDims' | 'maxOperands'> = { op: (o, i, a) => e.add(o, i, a)[0]!, setDims: (n, d) => e.setDims(n, d), maxOperands: e.maxOperands };
  const flat = (v: string, i: number) => {
    if (layout.dims[i]!.length === 1) return v;
    // a gradient that is itself a Reshape (a Gemm's result viewed as W's dims) is flattened from its source
    const producer = e.nodes.find((n) => n.output[0] === v);
    const source = producer?.op_type === 'Reshape' ? producer.input[0]! : v;
    return op('Reshape', [source, e.ints([layout.sizes[i]!])]);
  };
  const tail = layout.total - layout.used;
  const pieces = [...layout.params.map((p, i) => flat(grads.get(p)!, i)), ...(tail > 0 ? [e.floats(new Array<number>(tail).fill(0), [tail])] : [])];
  let grad = concatTreeEmit(ctx, pieces, [...layout.sizes, ...(tail > 0 ? [tail] : [])].map((n) => [n]), 0);
  // clipping scales by the norm, so there it sums rows first (accurate to float32 on millions of values, 2-3× the
  // time of one pass); the norm only reported is one pass (about 3e-4 off on a million parameters)
  let norm: string | undefined;
  if (opts.clip) {
    const rows = op('Reshape', [grad, e.ints([layout.total / layout.width, layout.width])]);
    const rowSums = opset >= 18
      ? op('ReduceSumSquare', [rows, e.ints([1])], { keepdims: 0 })
      : op('ReduceSumSquare', [rows], { axes: [1], keepdims: 0 });
    norm = op('Sqrt', [op('ReduceSum', [rowSums], { keepdims: 0 })]);
  } else if (opts.gradNorm) {
    norm = op('Sqrt', [op('ReduceSumSquare', [grad], { keepdims: 0 })]);
  }

  const used = usedScalars[opts.optimizer];
  const nScalars = scalarCount(layout, opts.optimizer, opts.clip);
  if (nScalars > 0) g.input.push(valueInfo(SCALARS, DataType.FLOAT, [nScalars]));
  const entry = (i: number) => (nScalars === 1 ? SCALARS : opset >= 10
    ? op('Slice', [SCALARS, e.ints([i]), e.ints([i + 1]), e.ints([0])])
    : op('Slice', [SCALARS], { starts: [i], ends: [i + 1], axes: [0] }));
  if (opts.clip && norm !== undefined) {
    const ratio = op('Div', [entry(0), op('Add', [norm, e.floats([1e-6], [])])]);
    grad = op('Mul', [grad, op('Min', [ratio, e.floats([1], [1])])]);
  }
  const first = opts.clip ? 1 : 0;
  const cache = new Map<string, string>();
  const scalar = (k: keyof StepScalars): string => {
    const hit = cache.get(k);
    if (hit) return hit;
    const j = used.indexOf(k);
    const values = layout.groups.map((_, gi) => entry(first + gi * used.length + j));
    let v = values[0]!;
    if (values.length > 1) {
      // one value per element: each group's scalar repeated over its parameters' span
      // (the last group's run also covers the zero tail)
      const spans = layout.groups.map(([b, end], gi) => (gi === layout.groups.length - 1 ? layout.total : layout.offsets[end - 1]! + layout.sizes[end - 1]!) - layout.offsets[b]!);
      const runs = values.map((s, gi) => (opset >= 8 ? op('Expand', [s, e.ints([spans[gi]!])]) : op('Tile', [s, e.ints([spans[gi]!])])));
      v = concatTreeEmit(ctx, runs, spans.map((n) => [n]), 0);
    }
    cache.set(k, v);
    return v;
  };

  const slots: Record<string, string> = {};
  for (const s of slotNames[opts.optimizer]) {
    slots[s] = slotInput(s);
    g.input.push(valueInfo(slots[s], DataType.FLOAT, [layout.total]));
  }
  const upd = emitUpdate(e, opts.optimizer, opts.hyper, WEIGHTS, grad, slots, scalar);
  const check = op('ReduceSum', [upd.weight], { keepdims: 0 });
  nameOutput(e, upd.weight, NEW_WEIGHTS);
  const outputs = [NEW_WEIGHTS];
  for (const [s, v] of Object.entries(upd.slots)) {
    nameOutput(e, v, newSlot(s));
    outputs.push(newSlot(s));
  }
  g.node.unshift(...unpack);
  return finish(proto, e, plan, opts, outputs, loss.loss, norm, check);
}

/** The step's outputs named and declared (the norm only when computed), the nodes nobody reads dropped, the emitted constants added. */
function finish(
  proto: ModelProto, e: GraphEmitter, plan: BackwardPlan, opts: StepGraphOptions, outputs: readonly string[], loss: string, norm: string | undefined, check: string,
): ModelProto {
  const g = proto.graph!;
  nameOutput(e, loss, LOSS);
  if (norm !== undefined) nameOutput(e, norm, GRAD_NORM);
  nameOutput(e, check, UPDATE_CHECK);
  g.node.push(...e.nodes);
  const keepOutput = g.output.filter((o) => o.name === plan.output);
  const named = [LOSS, ...(norm !== undefined ? [GRAD_NORM] : []), UPDATE_CHECK, ...(opts.extraOutputs ?? [])];
  g.output = [...keepOutput, ...[...outputs, ...named].map((n) => ({ name: n, metadata_props: [] }))];
  g.node = liveNodes(g.node, g.output.map((o) => o.name ?? ''));
  const read = new Set(g.node.flatMap((n) => n.input));
  g.initializer.push(...e.constants.filter((t) => read.has(t.name ?? '')));
  e.importDomains(proto);
  return proto;
}

/** compileStep's end for StepIo 'split': per-parameter slot inputs, update and outputs (split-update.ts). */
function finishSplit(
  proto: ModelProto, e: GraphEmitter, plan: BackwardPlan, opts: StepGraphOptions, opset: number, loss: string, grads: ReadonlyMap<string, string>,
): ModelProto {
  const g = proto.graph!;
  const { layout } = opts;
  const nScalars = scalarCount(layout, opts.optimizer, opts.clip);
  if (nScalars > 0) g.input.push(valueInfo(SCALARS, DataType.FLOAT, [nScalars]));
  const entries = new Map<number, string>();
  const entry = (i: number): string => {
    let v = entries.get(i);
    if (!v) {
      v = nScalars === 1 ? SCALARS : opset >= 10
        ? e.add('Slice', [SCALARS, e.ints([i]), e.ints([i + 1]), e.ints([0])])[0]!
        : e.add('Slice', [SCALARS], { starts: [i], ends: [i + 1], axes: [0] })[0]!;
      entries.set(i, v);
    }
    return v;
  };
  const params = layout.params.map((name, i) => ({ name, dims: layout.dims[i]!, group: layout.groups.findIndex(([b, end]) => i >= b && i < end) }));
  for (const s of slotNames[opts.optimizer]) {
    for (const p of params) g.input.push(valueInfo(paramSlotInput(s, p.name), DataType.FLOAT, [p.dims.reduce((a, b) => a * b, 1)]));
  }
  const u = emitSplitUpdate(e, { optimizer: opts.optimizer, hyper: opts.hyper, clip: opts.clip, norm: opts.gradNorm ?? false, opset, params, grads, entry });
  const named: [string, string][] = [];
  for (const p of params) {
    const v = u.updated.get(p.name)!;
    named.push([v.weight, newParam(p.name)]);
    for (const [s, slot] of Object.entries(v.slots)) named.push([slot, newParamSlot(s, p.name)]);
  }
  nameOutputs(e, named);
  const outputs = named.map(([, name]) => name);
  return finish(proto, e, plan, opts, outputs, loss, u.norm, u.check);
}

/** The nodes some output depends on, in their order (emitters leave values nobody reads, such as a Reshape a later one bypasses). */
function liveNodes(nodes: readonly NodeProto[], outputs: readonly string[]): NodeProto[] {
  const needed = new Set(outputs);
  const keep = new Array<boolean>(nodes.length).fill(false);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (!n.output.some((v) => needed.has(v))) continue;
    keep[i] = true;
    for (const v of [...n.input, ...subgraphReads(n)]) if (v) needed.add(v);
  }
  return nodes.filter((_, i) => keep[i]);
}

