/**
 * Max: y = elementwise maximum of X₀ … X_{n−1}, variadic, with
 * multidirectional (numpy) broadcasting from opset 8 (equal shapes before).
 * Differentiable: every input. Saves: every input and the output y.
 *
 *   m_k = [X_k = y] (broadcast to y's shape),  c = Σ_k m_k,
 *   ∂X_k = reduceToShape(m_k ∘ δ / c, X_k.dims).
 *
 * Ties: where several inputs reach the maximum, δ is split equally among them
 * (c of them); no difference quotient agrees with any rule at a tie, so the
 * tests use distinct values. Emitted: Cast(Not(Less(X_k, y))) per input, Sum
 * of the masks, Div, Mul, then ReduceSum/Reshape to each input's dims. Min
 * (min.ts) is the same rule with Greater for Less.
 */
import { reduceToShape } from '../../tensor/broadcast.js';
import { extremumMask } from '../../tensor/reduce.js';
import { addInto, map, zipWith, type Tensor } from '../../tensor/tensor.js';
import type { NodeView } from '../../graph/graph.js';
import { floatIn, floatOut, type GradRule } from '../rule.js';
import { reduceToShapeEmit } from '../../compile/emit-helpers.js';
import { extremumMaskEmit } from '../../compile/emit-reduce.js';

function everyInputAndOutput(node: NodeView): { inputs: number[]; outputs: number[] } {
  return { inputs: node.inputs.map((_, i) => i), outputs: [0] };
}

/** The rule of Max (kind 'max') or Min (kind 'min'). */
export function variadicExtremumRule(kind: 'max' | 'min'): GradRule {
  return {
    differentiable: (node) => node.inputs.map((_, i) => i),
    saves: everyInputAndOutput,
    vjp(ctx) {
      const y = floatOut(ctx, 0);
      const xs = ctx.node.inputs.map((_, k) => floatIn(ctx, k));
      const masks = xs.map((x) => extremumMask(x, y, kind));
      const count = masks.slice(1).reduce((c, m) => addInto(c, m), map(masks[0]!, (m) => m));
      const share = zipWith(ctx.gradOutputs[0]!, count, (g, c) => g / c);
      return xs.map((x, k): Tensor | undefined =>
        (ctx.needs[k] ? reduceToShape(zipWith(masks[k]!, share, (m, s) => m * s), x.dims) : undefined));
    },
    emit(ctx) {
      const y = ctx.outputs[0]!;
      const yDims = ctx.dims(y);
      const masks = ctx.inputs.map((x) => extremumMaskEmit(ctx, x, y, kind, yDims));
      const count = masks.length === 1 ? masks[0]! : ctx.op('Sum', masks);
      const share = ctx.op('Div', [ctx.gradOutputs[0]!, count]);
      ctx.setDims(share, yDims);
      return ctx.inputs.map((x, k) => {
        if (!ctx.needs[k]) return undefined;
        const g = ctx.op('Mul', [masks[k]!, share]);
        ctx.setDims(g, yDims);
        return reduceToShapeEmit(ctx, g, yDims, ctx.dims(x));
      });
    },
  };
}

export const max: GradRule = variadicExtremumRule('max');
