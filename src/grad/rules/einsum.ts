/**
 * Einsum (opset 12+): y = Σ over the indices missing from the output of the
 * product of the operands, as the equation names their axes ('bij,bjk->bik';
 * implicit output without '->'; '...' for broadcast leading axes).
 * Differentiable: every operand. Saves: every operand. Equations that repeat
 * an index within one operand (diagonals, traces such as 'ii->i') throw
 * UnsupportedError.
 *
 *   ∂L/∂X_k = einsum(δ, X_j (j ≠ k) → the indices of X_k that δ or another operand holds),
 *
 * then summed over the axes X_k was broadcast along (size 1 against a larger
 * ellipsis axis) and broadcast over the indices only X_k holds (summed in the
 * forward pass, so each entry receives δ whole).
 * Emitted: operands broadcast to the full sizes (Expand, only where an
 * ellipsis axis broadcasts), one Einsum node per gradient with the
 * indices renamed to letters, then ReduceSum, Reshape and Expand as above.
 */
import { UnsupportedError } from '../../errors.js';
import { einsumGrad, labelDims, parseEinsum, type EinsumEquation } from '../../tensor/einsum.js';
import { sameShape, type Tensor } from '../../tensor/tensor.js';
import { everyInput, floatIn, type GradRule, type RuleContext } from '../rule.js';
import type { EmitContext } from '../../compile/emit.js';
import { reduceSumEmit, reshapeEmit } from '../../compile/emit-helpers.js';

function where(ctx: { node: { name: string; opType: string } }): string {
  return `node '${ctx.node.name}' (${ctx.node.opType})`;
}

function equationOf(ctx: RuleContext | EmitContext, dims: readonly (readonly number[])[]): EinsumEquation {
  return parseEinsum(ctx.node.attrs.string('equation', ''), dims, where(ctx));
}

function vjp(ctx: RuleContext): (Tensor | undefined)[] {
  const operands = ctx.node.inputs.map((_, k) => floatIn(ctx, k));
  const eq = equationOf(ctx, operands.map((x) => x.dims));
  return operands.map((_, k) => (ctx.needs[k] ? einsumGrad(ctx.gradOutputs[0]!, operands, eq, k) : undefined));
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** einsumGrad as ONNX nodes (the equation's labels renamed to letters). */
function gradEmit(ctx: EmitContext, eq: EinsumEquation, k: number): string {
  const all = [...new Set([...eq.inputs.flat(), ...eq.output])];
  if (all.length > LETTERS.length) throw new UnsupportedError(`${where(ctx)}: ${all.length} distinct indices do not fit one Einsum equation`);
  const text = (labels: readonly number[]) => labels.map((l) => LETTERS[all.indexOf(l)]!).join('');
  const full = (x: string, labels: readonly number[]) => {
    const dims = labelDims(labels, eq.sizes);
    if (sameShape(ctx.dims(x), dims)) return x;
    const y = ctx.op('Expand', [x, ctx.ints(dims)]);
    ctx.setDims(y, dims);
    return y;
  };
  const own = ctx.dims(ctx.inputs[k]!);
  const mine = eq.inputs[k]!;
  const others = eq.inputs.map((t, j) => [t, j] as const).filter(([, j]) => j !== k);
  const elsewhere = new Set([...eq.output, ...others.flatMap(([t]) => t)]);
  const target = mine.filter((l) => elsewhere.has(l));
  const targetDims = labelDims(target, eq.sizes);
  let g = ctx.gradOutputs[0]!;
  if (others.length > 0 || text(eq.output) !== text(target)) {
    const equation = `${[eq.output, ...others.map(([t]) => t)].map(text).join(',')}->${text(target)}`;
    g = ctx.op('Einsum', [g, ...others.map(([t, j]) => full(ctx.inputs[j]!, t))], { equation });
    ctx.setDims(g, targetDims);
  }
  const ownOf = (l: number) => own[mine.indexOf(l)]!;
  const broadcastAxes = target.map((l, a) => (ownOf(l) !== eq.sizes.get(l) ? a : -1)).filter((a) => a >= 0);
  const reduced = reduceSumEmit(ctx, g, targetDims, broadcastAxes, true);
  const placedDims = mine.map((l) => (elsewhere.has(l) ? ownOf(l) : 1));
  const placed = reshapeEmit(ctx, reduced, target.map(ownOf), placedDims);
  if (sameShape(placedDims, own)) return placed;
  const spread = ctx.op('Expand', [placed, ctx.ints(own)]);
  ctx.setDims(spread, own);
  return spread;
}

function emit(ctx: EmitContext): (string | undefined)[] {
  const eq = equationOf(ctx, ctx.inputs.map((x) => ctx.dims(x)));
  return ctx.inputs.map((_, k) => (ctx.needs[k] ? gradEmit(ctx, eq, k) : undefined));
}

export const einsum: GradRule = {
  differentiable: (node) => node.inputs.map((_, k) => k),
  saves: everyInput,
  vjp,
  emit,
};
