/** Resampling: Resize, Upsample. */
import type { GradRule } from '../rule.js';

export const resamplingRules: Record<string, GradRule> = {
};
