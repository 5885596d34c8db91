import { adamHyper, adamInit, adamUpdate } from './adam.js';
import { checkNonNegative } from './types.js';
/**
 * AdamW (Loshchilov & Hutter): decoupled weight decay, in the order of
 * torch.optim.AdamW — first W ← W·(1 − η·wd), then the Adam update computed
 * from the raw gradient (no L2 term). weightDecay defaults to 0.01.
 * Slots: `m`, `v`.
 */
export const adamw = {
    name: 'adamw',
    init: adamInit,
    step(param, grad, state, lr, opts = {}) {
        const hyper = adamHyper('adamw', opts);
        const wd = opts.weightDecay ?? 0.01;
        checkNonNegative('adamw', 'weightDecay', wd);
        return adamUpdate('adamw', param, grad, state, lr, hyper, 0, 1 - lr * wd);
    },
};
