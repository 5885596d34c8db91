/**
 * Gelu (opset 20), attribute approximate:
 *   'none' (default): y = x·Φ(x), Φ(x) = ½(1 + erf(x/√2));
 *     ∂L/∂x = δ ∘ (Φ(x) + x·φ(x)),  φ(x) = e^{−x²/2} / √(2π).
 *   'tanh': y = ½x(1 + t), t = tanh(u), u = √(2/π)·(x + 0.044715·x³);
 *     ∂L/∂x = δ ∘ (½(1 + t) + ½x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)).
 *
 * Differentiable: x. Saved: x. Emitted: the same expressions with Erf, Exp
 * and Tanh nodes. Any other approximate value is rejected, as ONNX defines
 * only these two.
 */
import { InputError } from '../../errors.js';
import type { NodeView } from '../../graph/graph.js';
import { floatIn, type GradRule } from '../rule.js';
import type { EmitContext } from '../../compile/emit.js';
import { chain, erfOf, scalar } from './unary-common.js';

const INV_SQRT2 = 1 / Math.SQRT2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const CUBIC = 0.044715;

function approximation(node: NodeView): 'none' | 'tanh' {
  const a = node.attrs.string('approximate', 'none');
  if (a !== 'none' && a !== 'tanh') {
    throw new InputError(`node '${node.name}' (${node.opType}): attribute approximate is '${a}', expected 'none' or 'tanh'`);
  }
  return a;
}

function exactSlope(x: number): number {
  return 0.5 * (1 + erfOf(x * INV_SQRT2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

function tanhSlope(x: number): number {
  const t = Math.tanh(SQRT_2_OVER_PI * (x + CUBIC * x * x * x));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * CUBIC * x * x);
}

function exactSlopeEmit(ctx: EmitContext, x: string): string {
  const cdf = ctx.op('Mul', [scalar(ctx, 0.5), ctx.op('Add', [scalar(ctx, 1), ctx.op('Erf', [ctx.op('Mul', [x, scalar(ctx, INV_SQRT2)])])])]);
  const pdf = ctx.op('Mul', [scalar(ctx, INV_SQRT_2PI), ctx.op('Exp', [ctx.op('Mul', [scalar(ctx, -0.5), ctx.op('Mul', [x, x])])])]);
  return ctx.op('Add', [cdf, ctx.op('Mul', [x, pdf])]);
}

function tanhSlopeEmit(ctx: EmitContext, x: string): string {
  const x2 = ctx.op('Mul', [x, x]);
  const inner = ctx.op('Add', [x, ctx.op('Mul', [scalar(ctx, CUBIC), ctx.op('Mul', [x2, x])])]);
  const t = ctx.op('Tanh', [ctx.op('Mul', [scalar(ctx, SQRT_2_OVER_PI), inner])]);
  const half = ctx.op('Mul', [scalar(ctx, 0.5), ctx.op('Add', [scalar(ctx, 1), t])]);
  const du = ctx.op('Mul', [scalar(ctx, SQRT_2_OVER_PI), ctx.op('Add', [scalar(ctx, 1), ctx.op('Mul', [scalar(ctx, 3 * CUBIC), x2])])]);
  const oneMinusT2 = ctx.op('Sub', [scalar(ctx, 1), ctx.op('Mul', [t, t])]);
  const rest = ctx.op('Mul', [ctx.op('Mul', [scalar(ctx, 0.5), x]), ctx.op('Mul', [oneMinusT2, du])]);
  return ctx.op('Add', [half, rest]);
}

export const gelu: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp(ctx) {
    const slope = approximation(ctx.node) === 'tanh' ? tanhSlope : exactSlope;
    return [chain(ctx.gradOutputs[0]!, floatIn(ctx, 0), slope)];
  },
  emit(ctx) {
    const x = ctx.inputs[0]!;
    const slope = approximation(ctx.node) === 'tanh' ? tanhSlopeEmit(ctx, x) : exactSlopeEmit(ctx, x);
    return [ctx.op('Mul', [ctx.gradOutputs[0]!, slope])];
  },
};
