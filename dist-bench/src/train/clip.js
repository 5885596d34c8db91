/** Gradient clipping by global norm across all parameter tensors. */
import { EdgetuneError } from '../errors.js';
export class ClipError extends EdgetuneError {
    name = 'ClipError';
}
/** Global L2 norm √(Σ g²) over every element of every tensor, accumulated in float64. */
export function globalNorm(grads) {
    let sum = 0;
    for (const g of grads) {
        for (let i = 0; i < g.length; i++) {
            const x = g[i];
            sum += x * x;
        }
    }
    return Math.sqrt(sum);
}
/**
 * Scales all gradients by maxNorm/(norm + 1e-6) when their global norm exceeds
 * maxNorm (the torch.nn.utils.clip_grad_norm_ rule); otherwise copies them
 * unchanged. Always returns new arrays. A non-finite norm (NaN/Inf gradients)
 * is reported as-is with the gradients copied unscaled, so the caller can
 * detect it and skip the step.
 */
export function clipByGlobalNorm(grads, maxNorm) {
    if (!(Number.isFinite(maxNorm) && maxNorm > 0)) {
        throw new ClipError(`clipByGlobalNorm: maxNorm must be a finite number > 0, got ${maxNorm}`);
    }
    const norm = globalNorm(grads);
    if (!Number.isFinite(norm) || norm <= maxNorm) {
        return { grads: grads.map((g) => g.slice()), norm, scaled: false };
    }
    const factor = maxNorm / (norm + 1e-6);
    const out = grads.map((g) => {
        const c = new Float32Array(g.length);
        for (let i = 0; i < g.length; i++)
            c[i] = g[i] * factor;
        return c;
    });
    return { grads: out, norm, scaled: true };
}
