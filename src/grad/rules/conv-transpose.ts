/**
 * ConvTranspose (ONNX, opset 1–22; 1-D, 2-D and 3-D): for X [N,C,in…],
 * W [C, Cog, k…] (Cog = C_out/group) and the optional B [C_out],
 *   Y[n, g·Cog + o, y…] = B[g·Cog + o] + Σ X[n,c,i…] · W[c,o,k…]
 * over the c of group g and every (i, k) with y_a = i_a·s_a − pb_a + k_a·d_a on
 * each axis a (positions outside [0, out_a) are dropped). X, W and B are
 * differentiable; X and W are saved (each gradient reads the other operand).
 *
 * Y is the input gradient of a Conv that maps Y's positions back onto X's, so
 * with δ = ∂L/∂Y:
 *   ∂L/∂X = Conv(δ, W)        strides, dilations, group and begin pads as the
 *                              node's, end pads such that the result is X's size
 *   ∂L/∂W = the Conv weight gradient with the roles of X and δ swapped:
 *            ∂W[c,o,k…] = Σ_{n,i…} X[n,c,i…] · δ[n, g·Cog + o, i·s − pb + k·d …]
 *   ∂L/∂B = Σ δ over every axis but the channel axis.
 * The pads are resolved as ONNX Runtime does: from output_shape (the total
 * padding s·(in − 1) + output_padding + (k − 1)·d + 1 − out, at least 0) or
 * auto_pad SAME_* (out = in·s), split with the odd unit at the end for
 * SAME_UPPER and at the beginning otherwise. Output positions past the last
 * one any tap writes (output_padding, an output_shape one stride longer) carry
 * only the bias, so δ is cut to the reached positions first.
 * Emitted: Slice of δ to the reached positions when some are not, Conv(δ, W),
 * the Conv weight-gradient nodes of src/compile/emit-conv.ts on (δ, X), and
 * ReduceSum for B.
 */
import { InputError, UnsupportedError } from '../../errors.js';
import type { NodeView } from '../../graph/graph.js';
import { convNd, convNdWeightGrad, cropEnd, reduceBiasGrad, type ConvAttrs } from '../../tensor/conv.js';
import { floatIn, type GradRule } from '../rule.js';
import { convWeightGradEmit, reduceBiasGradEmit } from '../../compile/emit-conv.js';
import { cropPadEmit } from '../../compile/emit-shape-helpers.js';

/** A ConvTranspose node's geometry on given input and weight dims. */
export interface ConvTransposeGeometry {
  /**
   * the adjoint Conv from Y's positions onto X's: strides, dilations, group
   * and begin pads as the node's, end pads trimmed so that it gives X's dims
   */
  attrs: ConvAttrs;
  /** Y's dims [N, C_out, out…] */
  yDims: number[];
  /** δ cut to the positions some tap writes, [N, C_out, reach…] */
  reachDims: number[];
}

function label(node: NodeView): string {
  return `node '${node.name}' (${node.opType})`;
}

function spatialList(node: NodeView, name: string, dflt: number, count: number): number[] {
  const v = node.attrs.ints(name, new Array<number>(count).fill(dflt));
  if (v.length !== count) {
    throw new InputError(`${label(node)}: attribute '${name}' has ${v.length} values for ${count} spatial axes`);
  }
  return v;
}

/** Begin and end pads from a total: the odd unit at the end for SAME_UPPER, at the beginning otherwise. */
function splitPads(mode: string, total: number): [number, number] {
  const small = Math.floor(total / 2);
  return mode === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
}

/** Resolves a ConvTranspose node's pads, output dims and adjoint Conv for X [xDims] and W [wDims]. */
export function convTransposeGeometry(node: NodeView, xDims: readonly number[], wDims: readonly number[]): ConvTransposeGeometry {
  const rank = xDims.length;
  if (rank < 3 || rank > 5) {
    throw new UnsupportedError(`${label(node)}: input X has rank ${rank}, only 1-D, 2-D and 3-D transposed convolutions are supported`);
  }
  const [N, C] = xDims as [number, number];
  if (wDims.length !== rank || wDims[0] !== C) {
    throw new InputError(`${label(node)}: weight [${wDims.join(',')}] does not match input [${xDims.join(',')}] (W must be [C, C_out/group, k…])`);
  }
  const r = rank - 2;
  const group = node.attrs.int('group', 1);
  if (!Number.isInteger(group) || group < 1 || C % group !== 0) {
    throw new InputError(`${label(node)}: group ${group} does not divide the ${C} input channels`);
  }
  const kernel = wDims.slice(2);
  if (node.attrs.has('kernel_shape')) {
    const ks = node.attrs.ints('kernel_shape', []);
    if (ks.length !== r || ks.some((k, i) => k !== kernel[i])) {
      throw new InputError(`${label(node)}: kernel_shape [${ks.join(',')}] does not match weight [${wDims.join(',')}]`);
    }
  }
  const strides = spatialList(node, 'strides', 1, r);
  const dilations = spatialList(node, 'dilations', 1, r);
  const outputPadding = spatialList(node, 'output_padding', 0, r);
  const mode = node.attrs.string('auto_pad', 'NOTSET');
  if (mode !== 'NOTSET' && mode !== 'VALID' && mode !== 'SAME_UPPER' && mode !== 'SAME_LOWER') {
    throw new UnsupportedError(`${label(node)}: auto_pad '${mode}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER`);
  }
  let outputShape: number[] | undefined;
  if (node.attrs.has('output_shape')) {
    const os = node.attrs.ints('output_shape', []);
    if (os.length !== r && os.length !== r + 2) {
      throw new InputError(`${label(node)}: output_shape [${os.join(',')}] does not fit ${r} spatial axes`);
    }
    outputShape = os.slice(os.length - r);
  }
  const explicit = mode === 'NOTSET' && !outputShape ? spatialList(node, 'pads', 0, 2 * r) : undefined;
  const begin: number[] = [];
  const end: number[] = [];
  const out: number[] = [];
  const reach: number[] = [];
  for (let a = 0; a < r; a++) {
    const inSize = xDims[2 + a]!;
    // one past the last position any tap writes, before cropping by the begin pad
    const span = strides[a]! * (inSize - 1) + (kernel[a]! - 1) * dilations[a]! + 1;
    const full = span + outputPadding[a]!;
    let pb: number;
    let pe: number;
    if (outputShape) {
      [pb, pe] = splitPads(mode, Math.max(0, full - outputShape[a]!));
      out.push(outputShape[a]!);
    } else {
      if (explicit) [pb, pe] = [explicit[a]!, explicit[r + a]!];
      else if (mode === 'VALID') [pb, pe] = [0, 0];
      else [pb, pe] = splitPads(mode, Math.max(0, full - inSize * strides[a]!));
      out.push(full - pb - pe);
    }
    if (out[a]! < 1 || span - pb < 1) {
      throw new InputError(`${label(node)}: input [${xDims.join(',')}], weight [${wDims.join(',')}] and pads ${pb}, ${pe} leave no output along spatial axis ${a}`);
    }
    const reached = Math.min(out[a]!, span - pb);
    begin.push(pb);
    end.push(span - pb - reached);
    reach.push(reached);
  }
  const cOut = wDims[1]! * group;
  return {
    attrs: { strides, pads: [...begin, ...end], dilations, group },
    yDims: [N, cOut, ...out],
    reachDims: [N, cOut, ...reach],
  };
}

function checkDy(node: NodeView, dyDims: readonly number[], geo: ConvTransposeGeometry): void {
  if (dyDims.length !== geo.yDims.length || dyDims.some((d, i) => d !== geo.yDims[i])) {
    throw new InputError(`${label(node)}: output gradient [${dyDims.join(',')}] does not match the output [${geo.yDims.join(',')}] the attributes give`);
  }
}

export const convTranspose: GradRule = {
  differentiable: [0, 1, 2],
  saves: { inputs: [0, 1], outputs: [] },
  vjp(ctx) {
    const x = floatIn(ctx, 0);
    const w = floatIn(ctx, 1);
    const geo = convTransposeGeometry(ctx.node, x.dims, w.dims);
    const dy = ctx.gradOutputs[0]!;
    checkDy(ctx.node, dy.dims, geo);
    const reached = ctx.needs[0] || ctx.needs[1] ? cropEnd(dy, geo.reachDims) : dy;
    return [
      ctx.needs[0] ? convNd(reached, w, undefined, geo.attrs) : undefined,
      ctx.needs[1] ? convNdWeightGrad(reached, x, w.dims, geo.attrs) : undefined,
      ctx.needs[2] ? reduceBiasGrad(dy) : undefined,
    ];
  },
  emit(ctx) {
    const [x, w] = ctx.inputs as [string, string];
    const xDims = ctx.dims(x);
    const wDims = ctx.dims(w);
    const geo = convTransposeGeometry(ctx.node, xDims, wDims);
    const dy = ctx.gradOutputs[0]!;
    const dyDims = ctx.dims(ctx.outputs[0]!);
    checkDy(ctx.node, dyDims, geo);
    let reached = dy;
    if (ctx.needs[0] || ctx.needs[1]) {
      reached = cropPadEmit(ctx, dy, dyDims, dyDims.map(() => 0), dyDims.map((d, i) => geo.reachDims[i]! - d));
    }
    let dx: string | undefined;
    if (ctx.needs[0]) {
      const a = geo.attrs;
      dx = ctx.op('Conv', [reached, w], { strides: [...a.strides], pads: [...a.pads], dilations: [...a.dilations], group: a.group });
      ctx.setDims(dx, xDims);
    }
    return [
      dx,
      ctx.needs[1] ? convWeightGradEmit(ctx, reached, geo.reachDims, x, xDims, wDims, geo.attrs) : undefined,
      ctx.needs[2] ? reduceBiasGradEmit(ctx, dy, dyDims) : undefined,
    ];
  },
};
