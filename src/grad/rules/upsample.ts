/**
 * Upsample (opsets 7–9; deprecated from 10 in favour of Resize): Resize's
 * opset-10 semantics with scales ≥ 1 — the asymmetric coordinate x/s, modes
 * nearest (index truncated) and linear — the scales an attribute before opset
 * 9 and input 1 from opset 9. Differentiable: X (0). Saves: X (its dims only)
 * and the scales input.
 *
 *   ∂L/∂x = (⊗_a A_aᵀ)·δ, the per-axis tables of src/tensor/resize.ts.
 *
 * Emitted as Resize's (src/grad/rules/resize.ts): the attribute scales give
 * constant maps; a scales input is probed with an Upsample node of the model's
 * opset on an identity matrix.
 */
import type { NodeView } from '../../graph/graph.js';
import type { GradRule, RuleSaves } from '../rule.js';
import { resizeEmitPlan, resizeVjp } from './resize.js';
import { resizeEmit } from '../../compile/emit-resize.js';

export const upsample: GradRule = {
  differentiable: [0],
  saves: (node: NodeView): RuleSaves => ({ inputs: node.inputs.map((_, i) => i), outputs: [] }),
  vjp: resizeVjp,
  emit: (ctx) => [resizeEmit(ctx, resizeEmitPlan(ctx))],
};
