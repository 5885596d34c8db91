/**
 * Constant: y = the value attribute. No inputs, so nothing is differentiable
 * and the VJP returns nothing; the rule exists so that a Constant between a
 * parameter-free branch and the loss never reads as a missing rule.
 * Emitted: nothing.
 */
import type { GradRule } from '../rule.js';

export const constant: GradRule = {
  differentiable: [],
  saves: { inputs: [], outputs: [] },
  vjp: () => [],
  emit: () => [],
};
