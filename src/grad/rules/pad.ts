/**
 * Pad in constant mode: y = x with begin_a values before and end_a after axis
 * a, filled with constant_value; negative pads crop. Pads come as
 * [x1_begin, x2_begin, …, x1_end, x2_end, …] for the listed axes (input 1 from
 * opset 11 with optional axes input 3 from opset 18; the `pads` attribute
 * before). Differentiable: data (0); pads, axes and the fill value are not.
 * Saves: pads and axes (a few int64 values): x's dims are δ's minus the pads.
 *
 *   ∂L/∂x = padConstant(δ, −begin, −end),
 *
 * the adjoint of zero padding being padding by the opposite amounts (cropping
 * what was added, zero-filling what was cropped). The reflect, edge and wrap
 * modes throw UnsupportedError.
 * Emitted: Pad(δ, −pads, axes) with the node's own pads input negated (opset
 * 11+); before opset 11 the attribute pads give a static Slice and Pad.
 */
import { InputError, UnsupportedError } from '../../errors.js';
import { sizeOf, type Tensor } from '../../tensor/tensor.js';
import { intsIn, type GradRule, type RuleContext } from '../rule.js';
import { optionalIntsIn } from './reshape.js';
import { stridedCopy } from './slice.js';
import type { EmitContext } from '../../compile/emit.js';
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

function vjp(ctx: RuleContext): (Tensor | undefined)[] {
  const where = `node '${ctx.node.name}' (${ctx.node.opType})`;
  const mode = ctx.node.attrs.string('mode', 'constant');
  if (mode !== 'constant') throw new UnsupportedError(`${where}: pad mode '${mode}' is not supported (only 'constant')`);
  const dy = ctx.gradOutputs[0]!;
  const r = dy.dims.length;
  const pads = ctx.opset >= 11 ? intsIn(ctx, 1) : ctx.node.attrs.ints('pads', []);
  const axes = (ctx.opset >= 18 ? optionalIntsIn(ctx, 3) : undefined) ?? dy.dims.map((_, i) => i);
  if (pads.length !== 2 * axes.length) throw new InputError(`${where}: ${pads.length} pads for ${axes.length} axes`);
  const begin = new Array<number>(r).fill(0);
  const end = new Array<number>(r).fill(0);
  axes.forEach((a0, i) => {
    const a = a0 < 0 ? a0 + r : a0;
    if (a < 0 || a >= r) throw new InputError(`${where}: axis ${a0} is out of range for rank ${r}`);
    begin[a] = pads[i]!;
    end[a] = pads[i + axes.length]!;
  });
  return [padConstant(dy, begin.map((p) => -p), end.map((p) => -p))];
}

function emit(ctx: EmitContext): (string | undefined)[] {
  const where = `node '${ctx.node.name}' (${ctx.node.opType})`;
  const mode = ctx.node.attrs.string('mode', 'constant');
  if (mode !== 'constant') throw new UnsupportedError(`${where}: pad mode '${mode}' is not supported (only 'constant')`);
  const dy = ctx.gradOutputs[0]!;
  const yDims = ctx.dims(ctx.outputs[0]!);
  if (ctx.opset >= 11) {
    const negated = ctx.op('Neg', [ctx.inputs[1]!]);
    const axes = ctx.opset >= 18 ? ctx.inputs[3] : undefined;
    const dx = ctx.op('Pad', axes ? [dy, negated, '', axes] : [dy, negated]);
    ctx.setDims(dx, ctx.dims(ctx.inputs[0]!));
    return [dx];
  }
  const pads = ctx.node.attrs.ints('pads', []);
  const r = yDims.length;
  if (pads.length !== 2 * r) throw new InputError(`${where}: ${pads.length} pads for rank ${r}`);
  return [cropPadEmit(ctx, dy, yDims, pads.slice(0, r).map((p) => -p), pads.slice(r).map((p) => -p))];
}

export const pad: GradRule = {
  differentiable: [0],
  saves: { inputs: [1, 3], outputs: [] },
  vjp,
  emit,
};
