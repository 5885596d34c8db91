/**
 * Pad: y = x with begin_a values before and end_a after axis a; negative pads
 * crop. Pads come as [x1_begin, x2_begin, …, x1_end, x2_end, …] for the listed
 * axes (input 1 from opset 11 with optional axes input 3 from opset 18; the
 * `pads` attribute before). Modes:
 *   constant  the added values are constant_value (input 2, the `value`
 *             attribute before opset 11);
 *   reflect, edge, wrap (opset 19)
 *             each added value copies an input value (src/tensor/pad-modes.ts:
 *             the input cropped first, then mirrored without repeating the
 *             edge, clamped to the edge, or taken modulo its length).
 * Differentiable: data (0); pads, axes and the fill value are not.
 * Saves: pads and axes (a few int64 values): x's dims are δ's minus the pads.
 *
 *   constant:              ∂L/∂x = padConstant(δ, −begin, −end)
 *                          (cropping what was added, zero-filling what was cropped);
 *   reflect, edge, wrap:   ∂L/∂x = (⊗_a P_aᵀ)·δ,
 * P_a the per-axis gather, so every input position receives the sum of δ over
 * the outputs that copy it.
 *
 * Emitted, constant mode: Pad(δ, −pads, axes) with the node's own pads input
 * negated (opset 11+); before opset 11 the attribute pads give a static Slice
 * and Pad. Gather modes: before opset 11 the attribute pads give constant
 * per-axis maps (a Gather per copy layer, emit-axis-map.ts); from opset 11 the
 * node's Pad applied to x's flat indices gives every output's source, then
 * ScatterElements with reduction 'add' (opset 16+) or a one-hot MatMul per
 * axis (emit-pad.ts).
 */
import { InputError, UnsupportedError } from '../../errors.js';
import type { NodeView } from '../../graph/graph.js';
import { adjointOrder, applyAxisMapsAdjoint } from '../../tensor/axis-map.js';
import { padModeMaps, type GatherPadMode } from '../../tensor/pad-modes.js';
import { sizeOf, type Tensor } from '../../tensor/tensor.js';
import { intsIn, type GradRule, type RuleContext } from '../rule.js';
import { optionalIntsIn } from './reshape.js';
import { stridedCopy } from './slice.js';
import type { EmitContext } from '../../compile/emit.js';
import { axisMapAdjointEmit } from '../../compile/emit-axis-map.js';
import { padGatherGradEmit } from '../../compile/emit-pad.js';
import { cropPadEmit } from '../../compile/emit-shape-helpers.js';

/**
 * Zero padding with possibly negative amounts: out dims d_a + begin_a + end_a,
 * out[i + begin] = x[i] where that lies inside out, 0 elsewhere.
 */
export function padConstant(x: Tensor, begin: readonly number[], end: readonly number[]): Tensor {
  const dims = x.dims.map((d, a) => d + begin[a]! + end[a]!);
  if (dims.some((d) => d < 0)) throw new RangeError(`padConstant: pads [${begin.join(',')}|${end.join(',')}] crop more than [${x.dims.join(',')}]`);
  const out: Tensor = { dims, data: new Float32Array(sizeOf(dims)) };
  const lo = x.dims.map((_, a) => Math.max(0, -begin[a]!));
  const box = x.dims.map((d, a) => Math.max(0, Math.min(d, d + end[a]!) - lo[a]!));
  const ones = x.dims.map(() => 1);
  stridedCopy(x, lo, ones, out, lo.map((l, a) => l + begin[a]!), ones, box);
  return out;
}

const where = (node: NodeView) => `node '${node.name}' (${node.opType})`;

/** The node's mode: 'constant' or one of the gather modes. */
function padMode(node: NodeView): 'constant' | GatherPadMode {
  const mode = node.attrs.string('mode', 'constant');
  if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge' && mode !== 'wrap') {
    throw new UnsupportedError(`${where(node)}: pad mode '${mode}' is not supported (constant, reflect, edge, wrap)`);
  }
  return mode;
}

/** Per-axis begin and end amounts over every axis of a rank-r tensor, from pads listed for `axes` (default all). */
export function padAmounts(node: NodeView, r: number, pads: readonly number[], axes?: readonly number[]): { begin: number[]; end: number[] } {
  const listed = axes ?? Array.from({ length: r }, (_, i) => i);
  if (pads.length !== 2 * listed.length) throw new InputError(`${where(node)}: ${pads.length} pads for ${listed.length} axes`);
  const begin = new Array<number>(r).fill(0);
  const end = new Array<number>(r).fill(0);
  listed.forEach((a0, i) => {
    const a = a0 < 0 ? a0 + r : a0;
    if (a < 0 || a >= r) throw new InputError(`${where(node)}: axis ${a0} is out of range for rank ${r}`);
    begin[a] = pads[i]!;
    end[a] = pads[i + listed.length]!;
  });
  return { begin, end };
}

function vjp(ctx: RuleContext): (Tensor | undefined)[] {
  const mode = padMode(ctx.node);
  const dy = ctx.gradOutputs[0]!;
  const r = dy.dims.length;
  const pads = ctx.opset >= 11 ? intsIn(ctx, 1) : ctx.node.attrs.ints('pads', []);
  const { begin, end } = padAmounts(ctx.node, r, pads, ctx.opset >= 18 ? optionalIntsIn(ctx, 3) : undefined);
  if (mode === 'constant') return [padConstant(dy, begin.map((p) => -p), end.map((p) => -p))];
  const xDims = dy.dims.map((d, a) => d - begin[a]! - end[a]!);
  return [applyAxisMapsAdjoint(dy, padModeMaps(mode, xDims, begin, end))];
}

function emitConstant(ctx: EmitContext): string {
  const dy = ctx.gradOutputs[0]!;
  const yDims = ctx.dims(ctx.outputs[0]!);
  if (ctx.opset >= 11) {
    const negated = ctx.op('Neg', [ctx.inputs[1]!]);
    const axes = ctx.opset >= 18 ? ctx.inputs[3] : undefined;
    const dx = ctx.op('Pad', axes ? [dy, negated, '', axes] : [dy, negated]);
    ctx.setDims(dx, ctx.dims(ctx.inputs[0]!));
    return dx;
  }
  const { begin, end } = padAmounts(ctx.node, yDims.length, ctx.node.attrs.ints('pads', []));
  return cropPadEmit(ctx, dy, yDims, begin.map((p) => -p), end.map((p) => -p));
}

function emit(ctx: EmitContext): (string | undefined)[] {
  const mode = padMode(ctx.node);
  if (mode === 'constant') return [emitConstant(ctx)];
  const dy = ctx.gradOutputs[0]!;
  const xDims = ctx.dims(ctx.inputs[0]!);
  const yDims = ctx.dims(ctx.outputs[0]!);
  if (ctx.opset >= 11) {
    const axes = ctx.opset >= 18 ? ctx.inputs[3] : undefined;
    return [padGatherGradEmit(ctx, dy, xDims, yDims, mode, axes ? [ctx.inputs[1]!, '', axes] : [ctx.inputs[1]!])];
  }
  const { begin, end } = padAmounts(ctx.node, xDims.length, ctx.node.attrs.ints('pads', []));
  const maps = padModeMaps(mode, xDims, begin, end);
  let g = dy;
  let dims = [...yDims];
  for (const a of adjointOrder(maps)) [g, dims] = axisMapAdjointEmit(ctx, g, dims, a, maps[a]!);
  return [g];
}

export const pad: GradRule = {
  differentiable: [0],
  saves: { inputs: [1, 3], outputs: [] },
  vjp,
  emit,
};
