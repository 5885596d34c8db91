/**
 * The kernels of the reduction gradients: the kept-dims form of a reduced
 * tensor, the adjoint of a sum over axes (broadcasting a kept-dims gradient
 * back to the input's shape), and the mask of the positions that reach an
 * extremum.
 */
import { binaryOp, broadcastTo } from './broadcast.js';
import { reshape, type Tensor } from './tensor.js';

/** `dims` with every axis in `axes` (non-negative) set to 1: the shape of a reduction with keepdims = 1. */
export function keptDims(dims: readonly number[], axes: readonly number[]): number[] {
  return dims.map((d, i) => (axes.includes(i) ? 1 : d));
}

/**
 * The adjoint of Σ over `axes`: g (the reduced shape, with or without the
 * size-1 axes kept) reshaped to keptDims(dims, axes) and broadcast to `dims`,
 * so out[i] = g[i with the reduced axes pinned to 0].
 */
export function unreduce(g: Tensor, dims: readonly number[], axes: readonly number[]): Tensor {
  return broadcastTo(reshape(g, keptDims(dims, axes)), dims);
}

/**
 * 1 where x reaches the extremum y (y broadcast against x), 0 elsewhere. Since
 * y is the maximum (or minimum) of the values x holds, x ≥ y (x ≤ y) holds
 * exactly at the positions equal to it; the emitters test it as Not(Less)
 * (Not(Greater)), which ONNX allows on floats at every opset.
 */
export function extremumMask(x: Tensor, y: Tensor, kind: 'max' | 'min'): Tensor {
  return binaryOp(x, y, kind === 'max' ? (a, b) => (a >= b ? 1 : 0) : (a, b) => (a <= b ? 1 : 0));
}
