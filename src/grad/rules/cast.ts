/**
 * Cast between floating-point types: y = x rounded to the `to` type.
 * Differentiable: input (0) when `to` is a float type (float, double, float16,
 * bfloat16, the float8 and float4 types); a cast to an integer, bool or string
 * type is a step function and carries no gradient. Saves nothing.
 *
 *   ∂L/∂x = δ (the rounding passes the gradient straight through; gradients
 *   are float32 whatever the value's own type).
 *
 * The input's type is not visible in the node: a float `to` is taken as
 * differentiable, and an integer input never carries a gradient to begin with.
 * Emitted: CastLike(δ, x) back to the input's type (opset 15+), Cast(δ, float)
 * before.
 */
import type { NodeView } from '../../graph/graph.js';
import { DataType } from '../../onnx/dtypes.js';
import type { GradRule } from '../rule.js';

const FLOAT_TYPES: ReadonlySet<number> = new Set([
  DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.BFLOAT16,
  DataType.FLOAT8E4M3FN, DataType.FLOAT8E4M3FNUZ, DataType.FLOAT8E5M2, DataType.FLOAT8E5M2FNUZ, DataType.FLOAT4E2M1,
]);

export const cast: GradRule = {
  differentiable: (node: NodeView) => (FLOAT_TYPES.has(node.attrs.int('to', DataType.UNDEFINED)) ? [0] : []),
  saves: { inputs: [], outputs: [] },
  vjp: (ctx) => [ctx.gradOutputs[0]!],
  emit: (ctx) => [ctx.opset >= 15
    ? ctx.op('CastLike', [ctx.gradOutputs[0]!, ctx.inputs[0]!])
    : ctx.op('Cast', [ctx.gradOutputs[0]!], { to: DataType.FLOAT })],
};
