/**
 * Normalisation over a set of axes and its vector–Jacobian product, shared by
 * LayerNormalization, InstanceNormalization and GroupNormalization, which
 * differ only in how they group x's elements (an AffineNormLayout).
 *
 * Over each group of n elements (the `axes` of x's statistics view):
 *
 *   μ = mean(x),  σ = sqrt(mean((x − μ)²) + ε),  x̂ = (x − μ)/σ,
 *   y = scale · x̂ + B   (scale and B broadcast against the view).
 *
 * With g = δ · scale:
 *
 *   ∂x     = (1/σ) · (g − mean(g) − x̂ · mean(g · x̂))
 *   ∂scale = Σ δ · x̂ over every axis scale is broadcast along
 *   ∂B     = Σ δ      over every axis B is broadcast along
 */
import { binaryOp, reduceSum, reduceToShape } from './broadcast.js';
import { map, reshape, zipWith, type Tensor } from './tensor.js';

/** How a normalisation groups x: the statistics view and where its parameters sit. */
export interface AffineNormLayout {
  /** x's own dims */
  xDims: readonly number[];
  /** x's dims as the statistics see them (a reshape of x, same size) */
  view: readonly number[];
  /** the axes of `view` each mean and variance reduce (non-empty) */
  axes: readonly number[];
  /** scale's own dims */
  scaleDims: readonly number[];
  /** scale's dims aligned with `view` for broadcasting (same size as scaleDims, rank of view) */
  scaleView: readonly number[];
  /** B's own dims and its broadcast form, when the node has B */
  biasDims?: readonly number[];
  biasView?: readonly number[];
}

/** The statistics of x over `axes` (kept as size-1 axes) and x normalised by them. */
export interface Normalized {
  /** 1/σ = 1/sqrt(var + ε), [view with axes of size 1] */
  invStd: Tensor;
  /** x̂ = (x − μ)/σ, x's dims */
  xHat: Tensor;
}

/** The number of elements each group over `axes` holds. */
export function groupSize(dims: readonly number[], axes: readonly number[]): number {
  return axes.reduce((n, a) => n * dims[a]!, 1);
}

function meanOver(x: Tensor, axes: readonly number[]): Tensor {
  const inv = 1 / groupSize(x.dims, axes);
  return map(reduceSum(x, axes, true), (v) => v * inv);
}

/** μ, σ (biased variance) and x̂ of x over the non-empty `axes`. */
export function normalizeOver(x: Tensor, axes: readonly number[], epsilon: number): Normalized {
  const centred = binaryOp(x, meanOver(x, axes), (v, m) => v - m);
  const variance = meanOver(map(centred, (c) => c * c), axes);
  const invStd = map(variance, (v) => 1 / Math.sqrt(v + epsilon));
  return { invStd, xHat: binaryOp(centred, invStd, (c, k) => c * k) };
}

/** ∂x = (1/σ) · (g − mean(g) − x̂ · mean(g · x̂)), the means over `axes`, for g = δ · scale. */
export function normalizeInputGrad(g: Tensor, n: Normalized, axes: readonly number[]): Tensor {
  const meanG = meanOver(g, axes);
  const meanGX = meanOver(zipWith(g, n.xHat, (a, b) => a * b), axes);
  const centred = binaryOp(g, meanG, (v, m) => v - m);
  const projected = zipWith(centred, binaryOp(n.xHat, meanGX, (h, m) => h * m), (c, p) => c - p);
  return binaryOp(projected, n.invStd, (v, k) => v * k);
}

/**
 * [∂x, ∂scale, ∂B] of y = scale · x̂ + B, each in its own dims, for the ones
 * `needs` asks for (x, scale and B in the node's input order).
 */
export function affineNormVjp(
  x: Tensor, dy: Tensor, scale: Tensor, layout: AffineNormLayout, epsilon: number, needs: readonly boolean[],
): (Tensor | undefined)[] {
  const xv = reshape(x, layout.view);
  const dyv = reshape(dy, layout.view);
  const n = normalizeOver(xv, layout.axes, epsilon);
  const out: (Tensor | undefined)[] = [];
  if (needs[0]) {
    const g = binaryOp(dyv, reshape(scale, layout.scaleView), (d, s) => d * s);
    out[0] = reshape(normalizeInputGrad(g, n, layout.axes), layout.xDims);
  }
  if (needs[1]) out[1] = reshape(reduceToShape(zipWith(dyv, n.xHat, (d, h) => d * h), layout.scaleView), layout.scaleDims);
  if (needs[2] && layout.biasView && layout.biasDims) out[2] = reshape(reduceToShape(dyv, layout.biasView), layout.biasDims);
  return out;
}
