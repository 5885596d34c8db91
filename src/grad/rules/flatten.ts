/**
 * Flatten: y = x viewed as [Π dims[:axis], Π dims[axis:]] (axis in [−r, r],
 * default 1). Differentiable: input (0). Saves: input (its dims only).
 *
 *   ∂L/∂x = reshape(δ, dims(x)).
 *
 * Emitted: Reshape(δ, dims(x)).
 */
import type { GradRule } from '../rule.js';
import { reshapeBack } from './reshape.js';
import { reshapeBackEmit } from '../../compile/emit-shape-helpers.js';

export const flatten: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp: reshapeBack,
  emit: reshapeBackEmit,
};
