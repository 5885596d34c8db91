/** Transposed convolution: ConvTranspose. */
import type { GradRule } from '../rule.js';

export const convolutionRules: Record<string, GradRule> = {
};
