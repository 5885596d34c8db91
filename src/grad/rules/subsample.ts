/**
 * edgetune.Subsample (customops/subsample.ts): Y = β · down_n(X) + b per map,
 * n = attribute `size` (default 2). X, beta and bias are differentiable;
 * X, beta and bias are saved (X for down(x) and its shape, beta for ∂X, bias
 * only for its shape, which may be [C] or a broadcastable [1]).
 *
 * The subsampling layer of shared/docs/paper-rules.md without its activation:
 *   ∂E/∂X = β · up(δ)                 (0 on rows/columns past the last whole block)
 *   ∂E/∂β_c = Σ_{n,u,v} (δ ∘ down(x))_c
 *   ∂E/∂b_c = Σ_{n,u,v} δ_c
 * with δ = ∂E/∂Y. beta and bias broadcast as [C,1,1] against [N,C,h,w], as the
 * op's body does, so their gradients are summed back to their own shapes.
 * Emitted: up as Reshape/Expand/Reshape then Pad, down as Slice/Reshape/ReduceSum,
 * Mul by the reshaped β, ReduceSum back to the parameters' shapes.
 */
import { InputError } from '../../errors.js';
import { binaryOp, reduceToShape } from '../../tensor/broadcast.js';
import { reshape, zipWith, type Tensor } from '../../tensor/tensor.js';
import { down, up } from '../../tensor/up-down.js';
import { floatIn, type GradRule, type RuleContext } from '../rule.js';
import { downEmit, reduceToShapeEmit, reshapeEmit, ruleView, upEmit } from '../../compile/emit-helpers.js';

function blockSize(ctx: RuleContext): number {
  const n = ctx.node.attrs.int('size', 2);
  if (!Number.isInteger(n) || n < 1) {
    throw new InputError(`node '${ctx.node.name}' (edgetune.Subsample): attribute 'size' must be a positive integer, got ${n}`);
  }
  return n;
}

/** ∂E/∂p for a per-map parameter p (dims [C] or [1]) given the gradient g of its [N,C,h,w] broadcast. */
function toParamShape(g: Tensor, p: { dims: readonly number[] }): Tensor {
  return reshape(reduceToShape(g, [...p.dims, 1, 1]), p.dims);
}

export const subsample: GradRule = {
  differentiable: [0, 1, 2],
  saves: { inputs: [0, 1, 2], outputs: [] },
  vjp(ctx) {
    const n = blockSize(ctx);
    const x = floatIn(ctx, 0);
    const beta = floatIn(ctx, 1);
    const dy = ctx.gradOutputs[0]!;
    if (x.dims.length !== 4) {
      throw new InputError(`node '${ctx.node.name}' (edgetune.Subsample): input X must be [N,C,H,W], got [${x.dims.join(',')}]`);
    }
    const [, , H, W] = x.dims as [number, number, number, number];
    const beta3 = reshape(beta, [...beta.dims, 1, 1]);
    return [
      ctx.needs[0] ? binaryOp(up(dy, n, H, W), beta3, (g, b) => g * b) : undefined,
      ctx.needs[1] ? toParamShape(zipWith(dy, down(x, n), (g, d) => g * d), beta) : undefined,
      ctx.needs[2] ? toParamShape(dy, floatIn(ctx, 2)) : undefined,
    ];
  },
  emit(ctx) {
    const n = blockSize(ruleView(ctx));
    const [x, beta, bias] = ctx.inputs as [string, string, string];
    const xDims = ctx.dims(x);
    const betaDims = ctx.dims(beta);
    const dy = ctx.gradOutputs[0]!;
    const dyDims = ctx.dims(ctx.outputs[0]!);
    if (xDims.length !== 4) {
      throw new InputError(`node '${ctx.node.name}' (edgetune.Subsample): input X must be [N,C,H,W], got [${xDims.join(',')}]`);
    }
    const [, , H, W] = xDims as [number, number, number, number];
    const toParamShape = (g: string, p: readonly number[]) => reduceToShapeEmit(ctx, g, dyDims, [...p, 1, 1], p);
    const beta3 = () => reshapeEmit(ctx, beta, betaDims, [...betaDims, 1, 1]);
    return [
      ctx.needs[0] ? ctx.op('Mul', [upEmit(ctx, dy, dyDims, n, H, W), beta3()]) : undefined,
      ctx.needs[1] ? toParamShape(ctx.op('Mul', [dy, downEmit(ctx, x, xDims, n)]), betaDims) : undefined,
      ctx.needs[2] ? toParamShape(dy, ctx.dims(bias)) : undefined,
    ];
  },
};
