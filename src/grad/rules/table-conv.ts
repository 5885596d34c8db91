/**
 * edgetune.TableConv (customops/table-conv.ts): Y = Conv(X, W ∘ T, B), with
 * T[j,i] the 0/1 connection table (attribute `table`, J×I row-major) broadcast
 * over each kernel window. X, W and B are differentiable; X and W are saved.
 *
 * This is the paper's convolution layer with a partial table M_j
 * (shared/docs/paper-rules.md): the Conv rules run with the masked kernel,
 *   ∂E/∂X = ConvTranspose(δ, W ∘ T)
 *   ∂E/∂W = corr_valid(x, δ) ∘ T      (unconnected kernels get exactly 0)
 *   ∂E/∂B_j = Σ δ_j
 * Group is always 1 (the op has none); only 2-D inputs fit its definition.
 * Emitted: the Conv emitter's nodes with W ∘ T (T a [J,I,1,1] constant), then ∂W ∘ T.
 */
import { InputError, UnsupportedError } from '../../errors.js';
import type { NodeView } from '../../graph/graph.js';
import { binaryOp } from '../../tensor/broadcast.js';
import { tensor, type Tensor } from '../../tensor/tensor.js';
import { floatIn, type GradRule } from '../rule.js';
import { convGeometry, convVjp } from './conv.js';
import { convGradEmit } from '../../compile/emit-conv.js';

/** The connection table of a TableConv node as a [J,I,1,1] mask for a weight [J,I,kh,kw]. */
export function tableMask(node: NodeView, wDims: readonly number[]): Tensor {
  const [J, I] = wDims as [number, number];
  const t = node.attrs.ints('table', []);
  if (t.length !== J * I) {
    throw new InputError(`node '${node.name}' (edgetune.TableConv): attribute 'table' has ${t.length} entries, the weight [${wDims.join(',')}] needs ${J}×${I} = ${J * I}`);
  }
  return tensor([J, I, 1, 1], t);
}

export const tableConv: GradRule = {
  differentiable: [0, 1, 2],
  saves: { inputs: [0, 1], outputs: [] },
  vjp(ctx) {
    const x = floatIn(ctx, 0);
    const w = floatIn(ctx, 1);
    if (x.dims.length !== 4) {
      throw new UnsupportedError(`node '${ctx.node.name}' (edgetune.TableConv): input X has rank ${x.dims.length}, only 2-D convolution is supported`);
    }
    const geo = convGeometry(ctx.node, x.dims, w.dims, false);
    const mask = tableMask(ctx.node, w.dims);
    const times = (a: number, b: number) => a * b;
    const grads = convVjp(ctx, x, binaryOp(w, mask, times), geo);
    const dw = grads[1];
    if (dw) grads[1] = binaryOp(dw, mask, times);
    return grads;
  },
  emit(ctx) {
    const [x, w] = ctx.inputs as [string, string];
    const xDims = ctx.dims(x);
    const wDims = ctx.dims(w);
    if (xDims.length !== 4) {
      throw new UnsupportedError(`node '${ctx.node.name}' (edgetune.TableConv): input X has rank ${xDims.length}, only 2-D convolution is supported`);
    }
    const geo = convGeometry(ctx.node, xDims, wDims, false);
    const mask = tableMask(ctx.node, wDims);
    const maskName = ctx.floats(Array.from(mask.data), mask.dims);
    const masked = ctx.op('Mul', [w, maskName]);
    const dy = ctx.gradOutputs[0]!;
    const grads = convGradEmit(ctx, { x, xDims, w: masked, wDims, dy, dyDims: ctx.dims(ctx.outputs[0]!) }, geo, ctx.needs);
    const dw = grads[1];
    if (dw) grads[1] = ctx.op('Mul', [dw, maskName]);
    return grads;
  },
};
