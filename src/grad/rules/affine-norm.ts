/**
 * The rule shared by LayerNormalization, InstanceNormalization and
 * GroupNormalization: y = scale · x̂ + B with x̂ normalised over groups of x's
 * elements (src/tensor/normalize.ts gives the formulas). Each op supplies its
 * AffineNormLayout: which elements share a mean and variance, and how scale
 * and B broadcast. Differentiable: X (0), scale (1), B (2). Saves X, scale and
 * B (B for its dims); μ and σ are recomputed from X. Only Y (output 0)
 * carries a gradient back: a gradient arriving at LayerNormalization's Mean
 * or InvStdDev outputs throws UnsupportedError.
 */
import { UnsupportedError } from '../../errors.js';
import type { NodeView } from '../../graph/graph.js';
import { affineNormVjp, type AffineNormLayout } from '../../tensor/normalize.js';
import { floatIn, type GradRule } from '../rule.js';
import { affineNormGradEmit } from '../../compile/emit-normalize.js';

/** A node's layout from its attributes, the model's opset and the dims of X, scale and B (if present). */
export type LayoutOf = (
  node: NodeView, opset: number, xDims: readonly number[], scaleDims: readonly number[], biasDims: readonly number[] | undefined,
) => AffineNormLayout;

export function label(node: NodeView): string {
  return `node '${node.name}' (${node.opType})`;
}

function onlyFromY(node: NodeView, gradOutputs: readonly unknown[]): void {
  const other = gradOutputs.findIndex((g, i) => i > 0 && g !== undefined);
  if (other > 0) {
    throw new UnsupportedError(`${label(node)}: a gradient through output ${other} ('${node.outputs[other] ?? ''}') is not supported; only Y carries one`);
  }
  if (gradOutputs[0] === undefined) throw new UnsupportedError(`${label(node)}: no gradient reaches Y`);
}

/** scale/B dims right-aligned with a view of rank `rank` (numpy broadcasting), leading size-1 axes added. */
export function alignRight(node: NodeView, what: string, dims: readonly number[], rank: number): number[] {
  if (dims.length > rank) throw new UnsupportedError(`${label(node)}: ${what} [${dims.join(',')}] has more axes than X`);
  return [...new Array<number>(rank - dims.length).fill(1), ...dims];
}

export function affineNormRule(layoutOf: LayoutOf): GradRule {
  return {
    differentiable: [0, 1, 2],
    saves: { inputs: [0, 1, 2], outputs: [] },
    vjp(ctx) {
      onlyFromY(ctx.node, ctx.gradOutputs);
      const x = floatIn(ctx, 0);
      const scale = floatIn(ctx, 1);
      const biasDims = ctx.node.inputs[2] ? ctx.inputs[2]?.dims : undefined;
      const layout = layoutOf(ctx.node, ctx.opset, x.dims, scale.dims, biasDims);
      return affineNormVjp(x, ctx.gradOutputs[0]!, scale, layout, ctx.node.attrs.float('epsilon', 1e-5), ctx.needs);
    },
    emit(ctx) {
      onlyFromY(ctx.node, ctx.gradOutputs);
      const [x, scale, bias] = ctx.inputs as [string, string, string | undefined];
      const layout = layoutOf(ctx.node, ctx.opset, ctx.dims(x), ctx.dims(scale), bias ? ctx.dims(bias) : undefined);
      return affineNormGradEmit(ctx, x, ctx.gradOutputs[0]!, scale, layout, ctx.node.attrs.float('epsilon', 1e-5), ctx.needs);
    },
  };
}
