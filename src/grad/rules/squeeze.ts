/**
 * Squeeze: y = x without the size-1 axes listed in axes (an input from opset
 * 13, an attribute before; absent: every size-1 axis). Differentiable: data
 * (0). Saves: data (its dims only: without axes, the squeezed positions cannot
 * be recovered from y).
 *
 *   ∂L/∂x = reshape(δ, dims(x)).
 *
 * Emitted: Reshape(δ, dims(x)).
 */
import type { GradRule } from '../rule.js';
import { reshapeBack } from './reshape.js';
import { reshapeBackEmit } from '../../compile/emit-shape-helpers.js';

export const squeeze: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp: reshapeBack,
  emit: reshapeBackEmit,
};
