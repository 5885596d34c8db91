/**
 * GlobalAveragePool over every axis after the first two:
 * y[n,c] = (1/S) Σ_spatial x[n,c,…], S = the product of the spatial dims.
 * Differentiable: X (0). Saves: X (its dims only).
 *
 *   ∂L/∂x = broadcastTo(δ / S, dims(x)).
 *
 * Emitted: Expand(δ · (1/S), dims(x)) (Tile before opset 8).
 */
import { InputError } from '../../errors.js';
import { broadcastTo } from '../../tensor/broadcast.js';
import { scale, sizeOf } from '../../tensor/tensor.js';
import type { GradRule } from '../rule.js';
import { expandToEmit, scaleEmit } from '../../compile/emit-helpers.js';
import { savedDims } from './reshape.js';

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
    const scaled = scaleEmit(ctx, ctx.gradOutputs[0]!, 1 / s, yDims);
    return [expandToEmit(ctx, scaled, yDims, xDims)];
  },
};
