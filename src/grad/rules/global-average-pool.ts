/**
 * GlobalAveragePool over every axis after the first two:
 * y[n,c] = (1/S) Σ_spatial x[n,c,…], S = the product of the spatial dims.
 * Differentiable: X (0). Saves: X (its dims only).
 *
 *   ∂L/∂x = broadcastTo(δ / S, dims(x)).
 *
 * Emitted: δ as a column [N·C, 1] times a row [1, S] of 1/S, one Mul (from
 * opset 7, up to S = 65536): ONNX Runtime scales and expands δ [N, C, 1, 1]
 * over its trailing unit axes several times slower (ResNet-18's 512 maps of
 * 2×2 at batch 32: 0.13 vs 0.63 ms); else Expand(δ · (1/S), dims(x)) (Tile
 * before opset 8).
 */
import { InputError } from '../../errors.js';
import { broadcastTo } from '../../tensor/broadcast.js';
import { scale, sizeOf } from '../../tensor/tensor.js';
import type { GradRule } from '../rule.js';
import { expandToEmit, reshapeEmit, scaleEmit } from '../../compile/emit-helpers.js';
import { savedDims } from './reshape.js';

/** The largest map a constant row of 1/S spreads δ over (a larger one is expanded). */
const ROW_MAX = 65536;

export const globalAveragePool: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp(ctx) {
    const xDims = savedDims(ctx, 0);
    if (xDims.length < 3) throw new InputError(`node '${ctx.node.name}' (${ctx.node.opType}): input [${xDims.join(',')}] has no spatial axis`);
    const s = sizeOf(xDims.slice(2));
    return [broadcastTo(scale(ctx.gradOutputs[0]!, 1 / s), xDims)];
  },
  emit(ctx) {
    const xDims = ctx.dims(ctx.inputs[0]!);
    if (xDims.length < 3) throw new InputError(`node '${ctx.node.name}' (${ctx.node.opType}): input [${xDims.join(',')}] has no spatial axis`);
    const s = sizeOf(xDims.slice(2));
    const yDims = ctx.dims(ctx.outputs[0]!);
    const dy = ctx.gradOutputs[0]!;
    if (ctx.opset >= 7 && s <= ROW_MAX) {
      const rows = xDims[0]! * xDims[1]!;
      const spread = ctx.op('Mul', [reshapeEmit(ctx, dy, yDims, [rows, 1]), ctx.floats(new Array<number>(s).fill(1 / s), [1, s])]);
      ctx.setDims(spread, [rows, s]);
      return [reshapeEmit(ctx, spread, [rows, s], xDims)];
    }
    return [expandToEmit(ctx, scaleEmit(ctx, dy, 1 / s, yDims), yDims, xDims)];
  },
};
