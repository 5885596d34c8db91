/**
 * Pieces shared by the element-wise math rules (group-math.ts): the chain-rule
 * product δ ∘ f'(v) in TypeScript, a float constant and an opset-aware
 * select/sign in emitted ONNX, and the error function erf.
 *
 * Where and Sign exist from opset 9 on; for models of opset 7 and 8 the
 * emitters build the same selection from Greater/Less, Cast and arithmetic.
 */
import type { EmitContext } from '../../compile/emit.js';
import { DataType } from '../../onnx/dtypes.js';
import { zipWith, type Tensor } from '../../tensor/tensor.js';

/** δ ∘ f'(v): the gradient of an element-wise op whose slope is read from v (a saved input or output). */
export function chain(dy: Tensor, v: Tensor, slope: (v: number) => number): Tensor {
  return zipWith(dy, v, (g, x) => g * slope(x));
}

/** A float32 scalar constant. */
export function scalar(ctx: EmitContext, v: number): string {
  return ctx.floats([v], []);
}

/** cond as 0/1 floats (Cast to FLOAT). */
export function maskEmit(ctx: EmitContext, cond: string): string {
  return ctx.op('Cast', [cond], { to: DataType.FLOAT });
}

/**
 * a where cond, b elsewhere (broadcasting): Where from opset 9, before that
 * a·m + b·(1 − m) with m = Cast(cond), which agrees wherever a and b are finite.
 */
export function selectEmit(ctx: EmitContext, cond: string, a: string, b: string): string {
  if (ctx.opset >= 9) return ctx.op('Where', [cond, a, b]);
  const m = maskEmit(ctx, cond);
  const notM = ctx.op('Sub', [scalar(ctx, 1), m]);
  return ctx.op('Add', [ctx.op('Mul', [a, m]), ctx.op('Mul', [b, notM])]);
}

/**
 * a where cond, 0 elsewhere, as a · Cast(cond) in every opset: the same as
 * Where(cond, a, 0) wherever a is finite (a gradient that is not is refused by
 * the step's checks either way), and ONNX Runtime runs the product about 40%
 * faster than Where (a ReLU6 mask over [32, 96, 32, 32]: 5.0 vs 8.8 ms).
 */
export function maskedEmit(ctx: EmitContext, cond: string, a: string): string {
  return ctx.op('Mul', [a, maskEmit(ctx, cond)]);
}

/** sign(x) ∈ {−1, 0, 1}: Sign from opset 9, before that Cast(x > 0) − Cast(x < 0). */
export function signEmit(ctx: EmitContext, x: string): string {
  if (ctx.opset >= 9) return ctx.op('Sign', [x]);
  const zero = scalar(ctx, 0);
  return ctx.op('Sub', [maskEmit(ctx, ctx.op('Greater', [x, zero])), maskEmit(ctx, ctx.op('Less', [x, zero]))]);
}

/**
 * erf(x) in double precision: its Maclaurin series 2/√π · Σ (−1)ⁿ x²ⁿ⁺¹ / (n!(2n+1))
 * for |x| < 4 (terms peak near e^{x²} < 10⁷, so about 1e-9 absolute error
 * remains), and ±1 beyond, where 1 − erf(4) < 1.6e-8.
 */
export function erfOf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a >= 4) return Math.sign(x);
  const x2 = a * a;
  let term = a;
  let sum = a;
  for (let n = 1; n < 200; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return Math.sign(x) * Math.min(1, (2 / Math.sqrt(Math.PI)) * sum);
}
