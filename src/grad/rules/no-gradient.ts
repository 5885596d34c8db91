/**
 * Ops whose outputs carry no gradient: integer, boolean and shape-valued
 * results (Shape, Size, ArgMax, comparisons, NonZero, Range, ...), values
 * that do not depend on their inputs' values (ConstantOfShape, EyeLike, the
 * random generators) and piecewise-constant float functions (Floor, Ceil,
 * Round, Sign), whose derivative is 0 wherever it exists.
 *
 *   ∂L/∂inputs = 0 for every input
 *
 * No input is differentiable, so the backward plan never walks through these
 * nodes: a flatten written as `Reshape(x, Concat(Gather(Shape(x), 0), -1))`
 * carries its gradient through Reshape's data input only, and the integer
 * side path needs no rule. Nothing is saved and nothing is emitted.
 */
import type { GradRule } from '../rule.js';

export const noGradient: GradRule = {
  differentiable: [],
  saves: { inputs: [], outputs: [] },
  vjp: (ctx) => ctx.node.inputs.map(() => undefined),
  emit: (ctx) => ctx.node.inputs.map(() => undefined),
};
