/**
 * Selu: y = γ·x for x > 0, γ·α·(eˣ − 1) otherwise (attributes alpha, default
 * 1.67326319217681884765625, and gamma, default 1.05070102214813232421875);
 *   ∂L/∂x = γ·δ for x > 0, γ·α·eˣ·δ otherwise.
 *
 * Differentiable: x. Saved: x (the output's sign gives the branch only for
 * α, γ > 0, and ONNX allows any). Emitted: select(x > 0, δ·γ, δ·(γα·Exp(x))),
 * a Where from opset 9.
 */
import { floatIn, type GradRule, type RuleContext } from '../rule.js';
import { chain, scalar, selectEmit } from './unary-common.js';
import type { NodeView } from '../../graph/graph.js';

const ALPHA = 1.67326319217681884765625;
const GAMMA = 1.05070102214813232421875;

function seluAttrs(node: NodeView): { alpha: number; gamma: number } {
  return { alpha: node.attrs.float('alpha', ALPHA), gamma: node.attrs.float('gamma', GAMMA) };
}

export const selu: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp(ctx: RuleContext) {
    const { alpha, gamma } = seluAttrs(ctx.node);
    return [chain(ctx.gradOutputs[0]!, floatIn(ctx, 0), (x) => (x > 0 ? gamma : gamma * alpha * Math.exp(x)))];
  },
  emit(ctx) {
    const { alpha, gamma } = seluAttrs(ctx.node);
    const x = ctx.inputs[0]!;
    const dy = ctx.gradOutputs[0]!;
    const positive = ctx.op('Greater', [x, scalar(ctx, 0)]);
    const negative = ctx.op('Mul', [dy, ctx.op('Mul', [scalar(ctx, gamma * alpha), ctx.op('Exp', [x])])]);
    return [selectEmit(ctx, positive, ctx.op('Mul', [dy, scalar(ctx, gamma)]), negative)];
  },
};
