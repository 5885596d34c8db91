/**
 * MaxPool (1-D, 2-D and 3-D): y_k = max of the in-bounds taps of window k.
 * Differentiable: X (0); the optional Indices output carries no gradient.
 * Saves: X, from which the VJP recomputes the argmax (cheaper to keep than an
 * int64 Indices tensor, and available when the model drops that output).
 *
 *   ∂L/∂x = maxPoolNdGrad(δ, argmax): x[argmax_k] += δ_k,
 *
 * the max-pooling form of the paper's `up(δ)` (paper-rules.md): each
 * sensitivity goes back only to the position that won its window.
 * Emitted: from opset 11, δ scattered onto zeros at a second MaxPool's
 * Indices (one ScatterElements adding where windows share a winner from
 * opset 16; before that one per class of windows that never overlap, each
 * added to the sum so far); before opset 11 the argmax from the Indices,
 * then a mask of the winners (windows that tile the input) or a
 * ConvTranspose of per-tap masked δ (any other window), exact for ties as
 * maxPoolNd. Before opset 8
 * (no Indices output) the winning tap is found by gathering every tap's value
 * and comparing it with the pooled maximum.
 *
 * Where x is a Relu's output (x ≥ 0), a window's winner is positive exactly
 * when its maximum y_k is, so the Relu's mask Cast(x > 0) on ∂L/∂x equals
 * the mask Cast(y > 0) on δ before the scatter: the emitter applies that one,
 * on the pooled (smaller) tensor, and records that ∂L/∂x vanishes where x
 * is not positive, so that the Relu passes it on unmasked (ResNet's stem:
 * 0.5M values masked instead of 2M).
 */
import { maxPoolNd, maxPoolNdGrad } from '../../tensor/pool.js';
import { reshape } from '../../tensor/tensor.js';
import { floatIn, type GradRule } from '../rule.js';
import { pooledGrad, poolWindow } from './average-pool.js';
import { reshapeEmit } from '../../compile/emit-helpers.js';
import { maskedEmit } from './unary-common.js';
import {
  maxPoolArgmaxEmit, maxPoolGradByTapsEmit, maxPoolGradEmit, maxPoolScatterAvailable, maxPoolScatterGradEmit, pooledGradEmit,
} from '../../compile/emit-pool.js';

export const maxPool: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp(ctx) {
    const x = floatIn(ctx, 0);
    const w = poolWindow(ctx.node, x.dims);
    const { argmax } = maxPoolNd(reshape(x, w.dims4), w.attrs);
    return [reshape(maxPoolNdGrad(pooledGrad(ctx, w), argmax, w.dims4), x.dims)];
  },
  emit(ctx) {
    const x = ctx.inputs[0]!;
    const xDims = ctx.dims(x);
    const w = poolWindow(ctx.node, xDims);
    const x4 = reshapeEmit(ctx, x, xDims, w.dims4);
    const afterRelu = ctx.producerOp(x) === 'Relu';
    const pooled = pooledGradEmit(ctx, w);
    const dy = afterRelu ? maskedEmit(ctx, ctx.op('Greater', [reshapeEmit(ctx, ctx.outputs[0]!, ctx.dims(ctx.outputs[0]!), w.out4), ctx.floats([0], [])]), pooled) : pooled;
    const dx = maxPoolScatterAvailable(ctx, w) ? maxPoolScatterGradEmit(ctx, dy, x4, w)
      : ctx.opset >= 8 ? maxPoolGradEmit(ctx, dy, maxPoolArgmaxEmit(ctx, x4, w), w) : maxPoolGradByTapsEmit(ctx, dy, x4, w);
    const out = reshapeEmit(ctx, dx, w.dims4, xDims);
    if (afterRelu) ctx.markZeroWhereNotPositive(out, x);
    return [out];
  },
};
