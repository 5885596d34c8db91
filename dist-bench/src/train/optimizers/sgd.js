import { checkNonNegative, checkStepInputs } from './types.js';
/**
 * Plain stochastic gradient descent: W ← W − η·(g + wd·W).
 *
 * Each element is evaluated in float64 as `param[i] - lr * (grad[i] + wd * param[i])`
 * and rounded once to float32 on store; with wd = 0 this is exactly
 * `Math.fround(param[i] - lr * grad[i])`. The state holds no slots; its step
 * counter is still advanced.
 */
export const sgd = {
    name: 'sgd',
    init() {
        return { step: 0, slots: {} };
    },
    step(param, grad, state, lr, opts = {}) {
        checkStepInputs('sgd', param, grad, state, lr, []);
        const wd = opts.weightDecay ?? 0;
        checkNonNegative('sgd', 'weightDecay', wd);
        const out = new Float32Array(param.length);
        for (let i = 0; i < param.length; i++) {
            const w = param[i];
            const g = wd === 0 ? grad[i] : grad[i] + wd * w;
            out[i] = w - lr * g;
        }
        return { param: out, state: { step: state.step + 1, slots: {} } };
    },
};
