/**
 * GlobalMaxPool over every axis after the first two: y[n,c] = max_spatial x[n,c,…].
 * Differentiable: X (0). Saves: X (the argmax is recomputed from it).
 *
 *   ∂L/∂x = maxPool2dGrad(δ, argmax): δ[n,c] goes to the position of the maximum,
 *
 * with the spatial axes flattened to one row [N,C,1,S] pooled by a 1×S kernel.
 * Emitted: ArgMax over the flattened row (the first maximum, as maxPool2d),
 * then δ where the position equals it, 0 elsewhere (Where, or a mask product
 * before opset 9).
 */
import { InputError } from '../../errors.js';
import { maxPool2d, maxPool2dGrad, type Pool2dAttrs } from '../../tensor/pool.js';
import { reshape, sizeOf } from '../../tensor/tensor.js';
import { floatIn, type GradRule } from '../rule.js';
import { reshapeEmit } from '../../compile/emit-helpers.js';
import { indexRangeEmit, selectEmit } from '../../compile/emit-shape-helpers.js';

export const globalMaxPool: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp(ctx) {
    const x = floatIn(ctx, 0);
    if (x.dims.length < 3) throw new InputError(`node '${ctx.node.name}' (${ctx.node.opType}): input [${x.dims.join(',')}] has no spatial axis`);
    const [N, C] = x.dims as [number, number];
    const s = sizeOf(x.dims.slice(2));
    const row = [N, C, 1, s];
    const attrs: Pool2dAttrs = {
      kernel: [1, s], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], ceilMode: false, countIncludePad: false,
    };
    const { argmax } = maxPool2d(reshape(x, row), attrs);
    const dy = reshape(ctx.gradOutputs[0]!, [N, C, 1, 1]);
    return [reshape(maxPool2dGrad(dy, argmax, row), x.dims)];
  },
  emit(ctx) {
    const x = ctx.inputs[0]!;
    const xDims = ctx.dims(x);
    if (xDims.length < 3) throw new InputError(`node '${ctx.node.name}' (${ctx.node.opType}): input [${xDims.join(',')}] has no spatial axis`);
    const [N, C] = xDims as [number, number];
    const s = sizeOf(xDims.slice(2));
    const row = reshapeEmit(ctx, x, xDims, [N, C, s]);
    const argmax = ctx.op('ArgMax', [row], { axis: 2, keepdims: 1 });
    ctx.setDims(argmax, [N, C, 1]);
    const winner = ctx.op('Equal', [indexRangeEmit(ctx, s), argmax]);
    ctx.setDims(winner, [N, C, s]);
    const dy = reshapeEmit(ctx, ctx.gradOutputs[0]!, ctx.dims(ctx.outputs[0]!), [N, C, 1]);
    const dx = selectEmit(ctx, winner, dy, [N, C, s]);
    return [reshapeEmit(ctx, dx, [N, C, s], xDims)];
  },
};
