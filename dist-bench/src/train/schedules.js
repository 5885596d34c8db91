/**
 * Learning-rate schedules as pure functions of the step number (counted from
 * 0). An optional linear warm-up occupies steps 0 … W−1 with
 * lr = base·(step+1)/W (so the first step uses base/W and step W−1 uses the
 * full base rate, like PyTorch's LinearLR from 1/W to 1). The main schedule
 * then runs on the post-warm-up step t = step − W.
 */
import { EdgetuneError } from '../errors.js';
export class ScheduleError extends EdgetuneError {
    name = 'ScheduleError';
}
function checkInteger(what, value, min) {
    if (!Number.isSafeInteger(value) || value < min) {
        throw new ScheduleError(`learningRate: ${what} must be an integer >= ${min}, got ${value}`);
    }
}
function checkFinite(what, value) {
    if (!Number.isFinite(value) || value < 0) {
        throw new ScheduleError(`learningRate: ${what} must be a finite number >= 0, got ${value}`);
    }
}
/**
 * Learning rate at `step` (from 0) for base rate `base`:
 * - warm-up (step < W): base·(step+1)/W;
 * - constant: base;
 * - step: base·gamma^⌊t/stepSize⌋;
 * - cosine: minLr + (base − minLr)·(1 + cos(π·t/T))/2 with T = totalSteps − W,
 *   so the decay ends at minLr (default 0) on step totalSteps and stays there;
 *   totalSteps counts the whole run, warm-up included.
 */
export function learningRate(base, schedule, step) {
    checkFinite('base', base);
    checkInteger('step', step, 0);
    const warmup = schedule.warmupSteps ?? 0;
    checkInteger('warmupSteps', warmup, 0);
    if (step < warmup)
        return (base * (step + 1)) / warmup;
    const t = step - warmup;
    switch (schedule.kind) {
        case 'constant':
            return base;
        case 'step': {
            checkInteger('stepSize', schedule.stepSize, 1);
            checkFinite('gamma', schedule.gamma);
            return base * schedule.gamma ** Math.floor(t / schedule.stepSize);
        }
        case 'cosine': {
            checkInteger('totalSteps', schedule.totalSteps, 1);
            const minLr = schedule.minLr ?? 0;
            checkFinite('minLr', minLr);
            const span = schedule.totalSteps - warmup;
            if (span <= 0) {
                throw new ScheduleError(`learningRate: cosine totalSteps (${schedule.totalSteps}) must exceed warmupSteps (${warmup})`);
            }
            const progress = Math.min(t, span) / span;
            return minLr + ((base - minLr) * (1 + Math.cos(Math.PI * progress))) / 2;
        }
        default: {
            const kind = schedule.kind;
            throw new ScheduleError(`learningRate: unknown schedule kind '${String(kind)}'; valid kinds: constant, step, cosine`);
        }
    }
}
