/**
 * Conv (ONNX, opset 1–23; 1-D, 2-D and 3-D): Y = corr(X, W) + B.
 * All three inputs are differentiable; X and W are saved (each gradient reads
 * the other operand, and ∂X needs X's shape).
 *
 * In the notation of shared/docs/paper-rules.md (convolution layer, ONNX form):
 *   ∂E/∂X = ConvTranspose(δ, W)        — Σ_j conv2(δ_j, rot180(k_ij), 'full')
 *   ∂E/∂W[j,i] = corr_valid(x_i, δ_j)  — rot180(conv2(x_i, rot180(δ_j), 'valid'))
 *   ∂E/∂B_j = Σ_{n,u,v} δ_j
 * with δ = ∂E/∂Y. Strides, pads, dilations and groups enter through the same
 * geometry as the forward pass; auto_pad is turned into explicit pads first.
 * Every spatial rank runs through the same N-D kernels (src/tensor/conv.ts).
 * Emitted: the input gradient as ConvTranspose(δ, W) with an output_padding
 * or in a form chosen per layer (a Conv by the flipped kernel, batch-wide
 * Gemms; src/compile/emit-conv-input.ts), the weight gradient as a Conv of
 * the transposed x by the transposed δ (strides ↔ dilations, groups folded
 * into the channels) sliced and transposed to W's shape or as Gemms over
 * patches, and ReduceSum (src/compile/emit-conv.ts).
 */
import { InputError, UnsupportedError } from '../../errors.js';
import type { NodeView } from '../../graph/graph.js';
import { convNdInputGrad, convNdWeightGrad, reduceBiasGrad, type ConvAttrs } from '../../tensor/conv.js';
import { reshape, type Tensor } from '../../tensor/tensor.js';
import { floatIn, type GradRule, type RuleContext } from '../rule.js';
import { convGradEmit } from '../../compile/emit-conv.js';

/** A Conv-like node's geometry, as the N-D kernels take it. */
export interface ConvGeometry {
  /**
   * strides, pads, dilations and group; their rank is the kernels' (the
   * input's spatial rank, or 2 for a 1-D input viewed as [N,C,1,L])
   */
  attrs: ConvAttrs;
  /** the input's spatial axes: 1 for [N,C,L], 2 for [N,C,H,W], 3 for [N,C,D,H,W] */
  spatial: 1 | 2 | 3;
}

function label(node: NodeView): string {
  return `node '${node.name}' (${node.domain ? `${node.domain}.` : ''}${node.opType})`;
}

/**
 * Begin and end padding of one axis under auto_pad, as ONNX defines it:
 * VALID pads nothing; SAME_* pads so that out = ceil(in / s), with
 * total = max(0, (out − 1)·s + (k − 1)·d + 1 − in) split evenly and the odd
 * one at the end (SAME_UPPER) or at the beginning (SAME_LOWER).
 */
export function autoPads(mode: string, inSize: number, k: number, s: number, d: number): [number, number] {
  if (mode === 'VALID') return [0, 0];
  const out = Math.ceil(inSize / s);
  const total = Math.max(0, (out - 1) * s + (k - 1) * d + 1 - inSize);
  const small = Math.floor(total / 2);
  return mode === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
}

function spatialList(node: NodeView, name: string, dflt: number, count: number): number[] {
  const v = node.attrs.ints(name, new Array<number>(count).fill(dflt));
  if (v.length !== count) {
    throw new InputError(`${label(node)}: attribute '${name}' has ${v.length} values for ${count} spatial axes`);
  }
  return v;
}

/**
 * Resolves the strides, pads (explicit or from auto_pad), dilations and group
 * of a Conv-like node for input X and weight W, in the input's own rank.
 * `withGroup: false` is for ops whose definition has no group (always 1).
 */
export function convGeometry(
  node: NodeView, xDims: readonly number[], wDims: readonly number[], withGroup = true,
): ConvGeometry {
  const rank = xDims.length;
  if (rank < 3 || rank > 5) {
    throw new UnsupportedError(`${label(node)}: input X has rank ${rank}, only 1-D, 2-D and 3-D convolutions are supported`);
  }
  if (wDims.length !== rank) {
    throw new InputError(`${label(node)}: weight [${wDims.join(',')}] does not match input [${xDims.join(',')}]`);
  }
  const spatial = (rank - 2) as 1 | 2 | 3;
  const kernel = wDims.slice(2);
  if (node.attrs.has('kernel_shape')) {
    const ks = node.attrs.ints('kernel_shape', []);
    if (ks.length !== spatial || ks.some((k, i) => k !== kernel[i])) {
      throw new InputError(`${label(node)}: kernel_shape [${ks.join(',')}] does not match weight [${wDims.join(',')}]`);
    }
  }
  const strides = spatialList(node, 'strides', 1, spatial);
  const dilations = spatialList(node, 'dilations', 1, spatial);
  const mode = node.attrs.string('auto_pad', 'NOTSET');
  let pads: number[];
  if (mode === 'NOTSET') {
    pads = spatialList(node, 'pads', 0, 2 * spatial);
  } else if (mode === 'VALID' || mode === 'SAME_UPPER' || mode === 'SAME_LOWER') {
    const both = kernel.map((k, i) => autoPads(mode, xDims[2 + i]!, k, strides[i]!, dilations[i]!));
    pads = [...both.map((p) => p[0]), ...both.map((p) => p[1])];
  } else {
    throw new UnsupportedError(`${label(node)}: auto_pad '${mode}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER`);
  }
  const group = withGroup ? node.attrs.int('group', 1) : 1;
  return { attrs: { strides, pads, dilations, group }, spatial };
}

/** The [N,C,H,W] view of a 1-D tensor [N,C,L] (H = 1); 2-D tensors pass through. */
export function as2d(t: Tensor, spatial: 1 | 2): Tensor {
  if (spatial === 2) return t;
  const [a, b, l] = t.dims as [number, number, number];
  return reshape(t, [a, b, 1, l]);
}

/** dims [N,C,…] with unit spatial axes added in front of the others up to `spatial` of them. */
export function liftDims(dims: readonly number[], spatial: number): number[] {
  const missing = spatial - (dims.length - 2);
  return [dims[0]!, dims[1]!, ...new Array<number>(Math.max(0, missing)).fill(1), ...dims.slice(2)];
}

/** The three Conv gradients for input x, kernel w and δ = ∂E/∂Y, in the original ranks. */
export function convVjp(ctx: RuleContext, x: Tensor, w: Tensor, geo: ConvGeometry): (Tensor | undefined)[] {
  const dy = ctx.gradOutputs[0]!;
  const r = geo.attrs.strides.length;
  const lift = (t: Tensor) => reshape(t, liftDims(t.dims, r));
  const dyK = lift(dy);
  const wK = lift(w);
  return [
    ctx.needs[0] ? reshape(convNdInputGrad(dyK, wK, liftDims(x.dims, r), geo.attrs), x.dims) : undefined,
    ctx.needs[1] ? reshape(convNdWeightGrad(lift(x), dyK, wK.dims, geo.attrs), w.dims) : undefined,
    ctx.needs[2] ? reduceBiasGrad(dy) : undefined,
  ];
}
export const conv: GradRule = {
  differentiable: [0, 1, 2],
  saves: { inputs: [0, 1], outputs: [] },
  vjp(ctx) {
    const x = floatIn(ctx, 0);
    const w = floatIn(ctx, 1);
    const geo = convGeometry(ctx.node, x.dims, w.dims);
    return convVjp(ctx, x, w, geo);
  },
  emit(ctx) {
    const [x, w] = ctx.inputs as [string, string];
    const xDims = ctx.dims(x);
    const wDims = ctx.dims(w);
    const geo = convGeometry(ctx.node, xDims, wDims);
    const dy = ctx.gradOutputs[0]!;
    return convGradEmit(ctx, { x, xDims, w, wDims, dy, dyDims: ctx.dims(ctx.outputs[0]!) }, geo, ctx.needs);
  },
};
