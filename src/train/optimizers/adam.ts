import {
  checkNonNegative,
  checkStepInputs,
  checkUnitInterval,
  OptimizerError,
  type Optimizer,
  type OptimizerState,
  type StepResult,
} from './types.js';

export interface AdamOptions {
  /** Decay of the first-moment estimate; default 0.9. */
  beta1?: number;
  /** Decay of the second-moment estimate; default 0.999. */
  beta2?: number;
  /** Added to the bias-corrected root second moment; default 1e-8. */
  eps?: number;
  /**
   * Weight decay. For `adam` it is an L2 penalty added to the gradient
   * (g + wd·W), default 0; for `adamw` it is decoupled, default 0.01.
   */
  weightDecay?: number;
}

interface AdamHyper {
  beta1: number;
  beta2: number;
  eps: number;
}

/** Reads and validates β1, β2 and ε, filling in the defaults. */
export function adamHyper(optimizer: string, opts: AdamOptions): AdamHyper {
  const beta1 = opts.beta1 ?? 0.9;
  const beta2 = opts.beta2 ?? 0.999;
  const eps = opts.eps ?? 1e-8;
  checkUnitInterval(optimizer, 'beta1', beta1);
  checkUnitInterval(optimizer, 'beta2', beta2);
  checkNonNegative(optimizer, 'eps', eps);
  return { beta1, beta2, eps };
}

/**
 * One Adam update for step t = state.step + 1, in the order of
 * torch.optim.Adam:
 *   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,
 *   W ← decay·W − (η / (1−β1^t)) · m / (√v / √(1−β2^t) + ε).
 * `gradDecay` is the L2 coefficient folded into g (g + gradDecay·W) and
 * `paramScale` the multiplicative decoupled decay applied to W first.
 */
export function adamUpdate(
  optimizer: string,
  param: Float32Array,
  grad: Float32Array,
  state: OptimizerState,
  lr: number,
  hyper: AdamHyper,
  gradDecay: number,
  paramScale: number,
): StepResult {
  const [mPrev, vPrev] = checkStepInputs(optimizer, param, grad, state, lr, ['m', 'v']) as [Float32Array, Float32Array];
  const { beta1, beta2, eps } = hyper;
  const t = state.step + 1;
  const bc1 = 1 - beta1 ** t;
  const bc2 = 1 - beta2 ** t;
  if (bc1 === 0 || bc2 === 0) throw new OptimizerError(`${optimizer}: bias correction vanished at step ${t}`);
  const stepSize = lr / bc1;
  const sqrtBc2 = Math.sqrt(bc2);
  const out = new Float32Array(param.length);
  const m = new Float32Array(param.length);
  const v = new Float32Array(param.length);
  for (let i = 0; i < param.length; i++) {
    const w = param[i]!;
    const g = grad[i]! + gradDecay * w;
    m[i] = beta1 * mPrev[i]! + (1 - beta1) * g;
    v[i] = beta2 * vPrev[i]! + (1 - beta2) * g * g;
    const denom = Math.sqrt(v[i]!) / sqrtBc2 + eps;
    out[i] = w * paramScale - (stepSize * m[i]!) / denom;
  }
  return { param: out, state: { step: t, slots: { m, v } } };
}

/** Zero first and second moments (slots `m` and `v`). */
export function adamInit(param: { readonly length: number }): OptimizerState {
  return { step: 0, slots: { m: new Float32Array(param.length), v: new Float32Array(param.length) } };
}

/**
 * Adam (Kingma & Ba) with bias correction; weightDecay (default 0) is an L2
 * penalty added to the gradient, as in torch.optim.Adam. Slots: `m`, `v`.
 */
export const adam: Optimizer<AdamOptions> = {
  name: 'adam',
  init: adamInit,
  step(param: Float32Array, grad: Float32Array, state: OptimizerState, lr: number, opts: AdamOptions = {}): StepResult {
    const hyper = adamHyper('adam', opts);
    const wd = opts.weightDecay ?? 0;
    checkNonNegative('adam', 'weightDecay', wd);
    return adamUpdate('adam', param, grad, state, lr, hyper, wd, 1);
  },
};
