/**
 * The gradient of Pad in its reflect, edge and wrap modes as ONNX nodes when
 * the pads are read at run time (opset 11+): Pad is a gather, and the node's
 * own Pad (same mode, same pads and axes inputs) applied to the flat index
 * tensor [0, size(x)) shaped like x gives, for every output element, the
 * flat index of the input element it copies — every input of that Pad is a
 * constant of the model, so ONNX Runtime folds it once. Then
 *   - from opset 16, ∂x = ScatterElements(zeros, sources, δ, reduction 'add'),
 *     δ summed into every position its copies came from;
 *   - before, per axis a, the source coordinates along one line of a
 *     ((source / stride_a) mod in_a) give the one-hot gather matrix
 *     [out_a, in_a], whose transpose is applied to δ by MatMul
 *     (emit-axis-map.ts). The pads of every axis are run-time values, so
 *     every axis is taken (but those of length 1 in and out).
 */
import { DataType } from '../onnx/dtypes.js';
import { adjointOrder } from '../tensor/axis-map.js';
import { sizeOf, stridesOf } from '../tensor/tensor.js';
import type { EmitContext } from './emit.js';
import { denseAxisAdjointEmit, layoutFor } from './emit-axis-map.js';
import { reshapeEmit } from './emit-helpers.js';
import { indexRangeEmit, zerosEmit } from './emit-shape-helpers.js';

function record(ctx: EmitContext, name: string, dims: readonly number[]): string {
  ctx.setDims(name, dims);
  return name;
}

/**
 * ∂x for y = Pad(x, padInputs…) in a gather mode, δ [yDims] → [xDims];
 * padInputs are the node's inputs after the data (pads, then optionally the
 * constant value and the axes).
 */
export function padGatherGradEmit(
  ctx: EmitContext, dy: string, xDims: readonly number[], yDims: readonly number[], mode: string, padInputs: readonly string[],
): string {
  const n = sizeOf(xDims);
  const m = sizeOf(yDims);
  if (n === 0 || m === 0) return zerosEmit(ctx, xDims);
  const flat = reshapeEmit(ctx, indexRangeEmit(ctx, n), [n], xDims);
  const sources = record(ctx, ctx.op('Pad', [flat, ...padInputs], { mode }), yDims);
  if (ctx.opset >= 16) {
    const idx = reshapeEmit(ctx, sources, yDims, [m]);
    const upd = reshapeEmit(ctx, dy, yDims, [m]);
    const dx = record(ctx, ctx.op('ScatterElements', [zerosEmit(ctx, [n]), idx, upd], { axis: 0, reduction: 'add' }), [n]);
    return reshapeEmit(ctx, dx, [n], xDims);
  }
  const strides = stridesOf(xDims);
  const r = xDims.length;
  let g = dy;
  let dims = [...yDims];
  const sizes = xDims.map((d, a) => (d === 1 && yDims[a] === 1 ? undefined : { inSize: d, outSize: yDims[a]! }));
  for (const a of adjointOrder(sizes)) {
    const inSize = xDims[a]!;
    const outSize = yDims[a]!;
    const others = xDims.map((_, b) => b).filter((b) => b !== a);
    let line = sources;
    if (others.length > 0) {
      line = record(ctx, ctx.op('Slice', [sources, ctx.ints(others.map(() => 0)), ctx.ints(others.map(() => 1)), ctx.ints(others)]),
        yDims.map((d, b) => (b === a ? d : 1)));
    }
    let coord = reshapeEmit(ctx, line, yDims.map((d, b) => (b === a ? d : 1)), [outSize]);
    if (strides[a] !== 1) coord = record(ctx, ctx.op('Div', [coord, ctx.ints([strides[a]!], [])]), [outSize]);
    if (a > 0) coord = record(ctx, ctx.op('Mod', [coord, ctx.ints([inSize], [])]), [outSize]);
    const positions = Array.from({ length: inSize }, (_, i) => i);
    const outIn = layoutFor(a, r) === 'out-in';
    const same = outIn
      ? ctx.op('Equal', [reshapeEmit(ctx, coord, [outSize], [outSize, 1]), ctx.ints(positions, [1, inSize])])
      : ctx.op('Equal', [ctx.ints(positions, [inSize, 1]), reshapeEmit(ctx, coord, [outSize], [1, outSize])]);
    const shape = outIn ? [outSize, inSize] : [inSize, outSize];
    record(ctx, same, shape);
    const oneHot = record(ctx, ctx.op('Cast', [same], { to: DataType.FLOAT }), shape);
    [g, dims] = denseAxisAdjointEmit(ctx, g, dims, a, inSize, oneHot);
  }
  return g;
}
