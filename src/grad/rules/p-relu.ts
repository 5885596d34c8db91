/**
 * PRelu: y = x for x ≥ 0, slope·x for x < 0, with slope broadcast
 * unidirectionally to x's shape (typically [C,1,1] against [N,C,H,W]).
 *
 * Differentiable: x, slope. Saved: x and slope.
 *   ∂L/∂x     = δ where x > 0, δ ∘ slope elsewhere;
 *   ∂L/∂slope = reduceToShape(δ ∘ x where x ≤ 0, 0 elsewhere; slope.dims).
 * (x = 0 is the kink; its slope term is 0 either way.)
 * Emitted: select(x > 0, δ, δ · slope) and select(x > 0, 0, δ · x) followed by
 * ReduceSum/Reshape to slope's dims; select is Where from opset 9.
 */
import { floatIn, type GradRule, type RuleContext } from '../rule.js';
import { reduceToShapeEmit } from '../../compile/emit-helpers.js';
import { broadcastTo, reduceToShape } from '../../tensor/broadcast.js';
import { zipWith, type Tensor } from '../../tensor/tensor.js';
import { scalar, selectEmit } from './unary-common.js';

function pReluVjp(ctx: RuleContext): (Tensor | undefined)[] {
  const dy = ctx.gradOutputs[0]!;
  const x = floatIn(ctx, 0);
  const slope = floatIn(ctx, 1);
  let dx: Tensor | undefined;
  if (ctx.needs[0]) {
    const s = broadcastTo(slope, x.dims).data;
    dx = zipWith(dy, x, (g, v, i) => (v > 0 ? g : g * s[i]!));
  }
  const dSlope = ctx.needs[1] ? reduceToShape(zipWith(dy, x, (g, v) => (v > 0 ? 0 : g * v)), slope.dims) : undefined;
  return [dx, dSlope];
}

export const pRelu: GradRule = {
  differentiable: [0, 1],
  saves: { inputs: [0, 1], outputs: [] },
  vjp: pReluVjp,
  emit(ctx) {
    const [x, slope] = ctx.inputs as [string, string];
    const dy = ctx.gradOutputs[0]!;
    const positive = ctx.op('Greater', [x, scalar(ctx, 0)]);
    const dx = ctx.needs[0] ? selectEmit(ctx, positive, dy, ctx.op('Mul', [dy, slope])) : undefined;
    const dSlope = ctx.needs[1]
      ? reduceToShapeEmit(ctx, selectEmit(ctx, positive, scalar(ctx, 0), ctx.op('Mul', [dy, x])), ctx.dims(x), ctx.dims(slope))
      : undefined;
    return [dx, dSlope];
  },
};
