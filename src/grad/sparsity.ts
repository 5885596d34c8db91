/**
 * Sparsity penalties on the combination weights α = softmax(c, axis 0) of
 * edgetune.CombineMaps (c [I,J], α_ij the share of input map i in output j).
 *
 * Erratum carried from shared/docs/paper-rules.md: the paper's penalty
 * Ω = λ Σ_ij |α_ij| cannot sparsify anything. Softmax keeps every column of α
 * on the simplex (α_ij > 0, Σ_i α_ij = 1), so Ω = λ·J whatever c is, and the
 * rule the paper back-propagates, ∂Ω/∂α_ij = λ sign α_ij = λ chained through
 * the softmax Jacobian, gives ∂Ω/∂c_ij = α_ij (λ − λ Σ_k α_kj) = 0. It is kept
 * (`paperL1Penalty`) so the claim stays checkable.
 *
 * The working choice is the entropy Ω = −λ Σ_ij α_ij log α_ij (`entropyPenalty`):
 * on the simplex it is largest for a uniform column and 0 for a one-hot one, so
 * descending it concentrates each output map on few inputs.
 */
import type { BackwardPlan } from './plan.js';
import { softmaxColumns } from '../../customops/combine-maps.js';
import { InputError } from '../errors.js';
import { softmaxColumnsBackward } from './rules/combine-maps.js';

export interface Penalty {
  /** Ω(α(c)) */
  value: number;
  /** ∂Ω/∂c, [I,J] row-major */
  gradC: Float32Array;
}

function checkShape(c: Float32Array, I: number, J: number, what: string): void {
  if (!Number.isInteger(I) || !Number.isInteger(J) || I < 1 || J < 1 || c.length !== I * J) {
    throw new InputError(`${what}: c has ${c.length} values, expected I×J = ${I}×${J}`);
  }
}

/**
 * The paper's L1 penalty as written: Ω = λ Σ_ij |α_ij|, ∂Ω/∂α_ij = λ sign(α_ij),
 * ∂Ω/∂c_ij = Σ_k ∂Ω/∂α_kj ∂α_kj/∂c_ij. On the softmax simplex the value is λ·J
 * and the gradient is zero up to rounding (see the module comment).
 */
export function paperL1Penalty(c: Float32Array, I: number, J: number, lambda: number): Penalty {
  checkShape(c, I, J, 'paperL1Penalty');
  const alpha = softmaxColumns(c, I, J);
  let value = 0;
  const gAlpha = new Float64Array(I * J);
  for (let k = 0; k < alpha.length; k++) {
    value += lambda * Math.abs(alpha[k]!);
    gAlpha[k] = lambda * Math.sign(alpha[k]!);
  }
  return { value, gradC: Float32Array.from(softmaxColumnsBackward(alpha, gAlpha, I, J)) };
}

/**
 * Entropy penalty Ω = −λ Σ_ij α_ij log α_ij, ∂Ω/∂α_ij = −λ (log α_ij + 1),
 * chained through the softmax Jacobian:
 *   ∂Ω/∂c_ij = −λ α_ij (log α_ij − Σ_k α_kj log α_kj)
 * (the +1 cancels on the simplex). An α that underflowed to 0 contributes 0,
 * the limit of α log α.
 */
export function entropyPenalty(c: Float32Array, I: number, J: number, lambda: number): Penalty {
  checkShape(c, I, J, 'entropyPenalty');
  const alpha = softmaxColumns(c, I, J);
  let value = 0;
  const gAlpha = new Float64Array(I * J);
  for (let k = 0; k < alpha.length; k++) {
    const a = alpha[k]!;
    const logA = a > 0 ? Math.log(a) : 0;
    value -= lambda * a * logA;
    gAlpha[k] = -lambda * (logA + 1);
  }
  return { value, gradC: Float32Array.from(softmaxColumnsBackward(alpha, gAlpha, I, J)) };
}

/**
 * Add a sparsity penalty on every trained CombineMaps weight c (input 1 of an
 * edgetune.CombineMaps node on the plan) to its gradient; returns the total
 * penalty value to add to the loss.
 */
export function addCombineMapsPenalty(
  plan: BackwardPlan, params: readonly { name: string; dims: readonly number[] }[], weights: Map<string, Float32Array>,
  grads: Map<string, Float32Array>, penalty: { kind: 'entropy' | 'paper-l1'; lambda: number },
): number {
  if (penalty.lambda === 0) return 0;
  let total = 0;
  for (const s of plan.steps) {
    if (s.node.opType !== 'CombineMaps' || s.node.domain !== 'edgetune') continue;
    const name = s.node.inputs[1]!;
    const g = grads.get(name);
    const c = weights.get(name);
    const p = params.find((q) => q.name === name);
    if (!g || !c || !p) continue;
    const [I, J] = p.dims as [number, number];
    const pen = penalty.kind === 'entropy' ? entropyPenalty(c, I, J, penalty.lambda) : paperL1Penalty(c, I, J, penalty.lambda);
    for (let i = 0; i < g.length; i++) g[i]! += pen.gradC[i]!;
    total += pen.value;
  }
  return total;
}
