import { adamHyper, adamInit, adamUpdate, type AdamOptions } from './adam.js';
import { checkNonNegative, type Optimizer, type OptimizerState, type StepResult } from './types.js';

export type AdamWOptions = AdamOptions;

/**
 * AdamW (Loshchilov & Hutter): decoupled weight decay, in the order of
 * torch.optim.AdamW — first W ← W·(1 − η·wd), then the Adam update computed
 * from the raw gradient (no L2 term). weightDecay defaults to 0.01.
 * Slots: `m`, `v`.
 */
export const adamw: Optimizer<AdamWOptions> = {
  name: 'adamw',
  init: adamInit,
  step(param: Float32Array, grad: Float32Array, state: OptimizerState, lr: number, opts: AdamWOptions = {}): StepResult {
    const hyper = adamHyper('adamw', opts);
    const wd = opts.weightDecay ?? 0.01;
    checkNonNegative('adamw', 'weightDecay', wd);
    return adamUpdate('adamw', param, grad, state, lr, hyper, 0, 1 - lr * wd);
  },
};
