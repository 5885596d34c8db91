import { checkNonNegative, checkStepInputs, OptimizerError, type Optimizer, type OptimizerState, type StepResult } from './types.js';

export interface MomentumOptions {
  /** Momentum coefficient μ; default 0.9. */
  momentum?: number;
  /** Use the Nesterov form of the update; default false. */
  nesterov?: boolean;
  /** L2 penalty coefficient added to the gradient (g + wd·W); default 0. */
  weightDecay?: number;
}

/**
 * SGD with momentum in the PyTorch convention (no dampening):
 *   g ← g + wd·W,  v ← μ·v + g,
 *   classic:  W ← W − η·v,
 *   Nesterov: W ← W − η·(g + μ·v)   (using the updated v).
 * The velocity starts at zero, so the first step has v = g as in PyTorch.
 * Slot: `velocity`.
 */
export const momentum: Optimizer<MomentumOptions> = {
  name: 'momentum',
  init(param: { readonly length: number }): OptimizerState {
    return { step: 0, slots: { velocity: new Float32Array(param.length) } };
  },
  step(param: Float32Array, grad: Float32Array, state: OptimizerState, lr: number, opts: MomentumOptions = {}): StepResult {
    const [velocity] = checkStepInputs('momentum', param, grad, state, lr, ['velocity']) as [Float32Array];
    const mu = opts.momentum ?? 0.9;
    const wd = opts.weightDecay ?? 0;
    const nesterov = opts.nesterov ?? false;
    checkNonNegative('momentum', 'momentum', mu);
    checkNonNegative('momentum', 'weightDecay', wd);
    if (nesterov && mu === 0) throw new OptimizerError('momentum: nesterov requires momentum > 0');
    const out = new Float32Array(param.length);
    const v = new Float32Array(param.length);
    for (let i = 0; i < param.length; i++) {
      const w = param[i]!;
      const g = grad[i]! + wd * w;
      v[i] = mu * velocity[i]! + g;
      const update = nesterov ? g + mu * v[i]! : v[i]!;
      out[i] = w - lr * update;
    }
    return { param: out, state: { step: state.step + 1, slots: { velocity: v } } };
  },
};
