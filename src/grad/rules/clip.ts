/**
 * Clip: y = min(max(x, lo), hi). From opset 11 the bounds are the optional
 * inputs 1 (min) and 2 (max), constants that carry no gradient; before that
 * they are the float attributes min and max. A missing bound is unbounded.
 * ReLU6 is Clip(x, 0, 6).
 *
 * Differentiable: x. Saved: x, min, max.
 * ∂L/∂x = δ where lo < x < hi, 0 elsewhere (0 at the bounds themselves, and
 * everywhere when lo ≥ hi, where ONNX outputs the constant hi).
 * Emitted: δ · Cast(Greater(x, lo) ∧ Less(x, hi)) (maskedEmit), comparing with the bound
 * inputs themselves (or attribute constants before opset 11); an absent bound
 * drops its comparison.
 */
import { InputError } from '../../errors.js';
import { asFloat, floatIn, type GradRule, type RuleContext } from '../rule.js';
import { zipWith } from '../../tensor/tensor.js';
import { maskedEmit } from './unary-common.js';

/** Bound input k (1 = min, 2 = max) as a number, or `dflt` when the input is absent. */
function boundInput(ctx: RuleContext, k: number, dflt: number): number {
  const name = ctx.node.inputs[k];
  if (name === undefined || name === '') return dflt;
  const t = asFloat(ctx.inputs[k], `node '${ctx.node.name}' (Clip) input ${k}`);
  if (t.data.length !== 1) {
    throw new InputError(`node '${ctx.node.name}' (Clip): input ${k} has shape [${t.dims.join(',')}], a bound must be a scalar`);
  }
  return t.data[0]!;
}

/** The clipping interval [lo, hi] as the node's opset defines it. */
export function clipBounds(ctx: RuleContext): [number, number] {
  if (ctx.opset < 11) {
    return [ctx.node.attrs.float('min', -Infinity), ctx.node.attrs.float('max', Infinity)];
  }
  return [boundInput(ctx, 1, -Infinity), boundInput(ctx, 2, Infinity)];
}

export const clip: GradRule = {
  differentiable: [0],
  saves: { inputs: [0, 1, 2], outputs: [] },
  vjp(ctx) {
    const [lo, hi] = clipBounds(ctx);
    const x = floatIn(ctx, 0);
    return [zipWith(ctx.gradOutputs[0]!, x, (g, v) => (v > lo && v < hi ? g : 0))];
  },
  emit(ctx) {
    const x = ctx.inputs[0]!;
    const bound = (k: number, attr: string): string | undefined => {
      if (ctx.opset < 11) return ctx.node.attrs.has(attr) ? ctx.floats([ctx.node.attrs.float(attr, 0)], []) : undefined;
      const name = ctx.inputs[k];
      return name === undefined || name === '' ? undefined : name;
    };
    const lo = bound(1, 'min');
    const hi = bound(2, 'max');
    const tests = [lo && ctx.op('Greater', [x, lo]), hi && ctx.op('Less', [x, hi])].filter((t): t is string => t !== undefined);
    const dy = ctx.gradOutputs[0]!;
    if (tests.length === 0) return [dy];
    const inside = tests.length === 2 ? ctx.op('And', tests) : tests[0]!;
    return [maskedEmit(ctx, inside, dy)];
  },
};
