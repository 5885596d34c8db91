/** Transposed convolution: ConvTranspose. */
import type { GradRule } from '../rule.js';
import { convTranspose } from './conv-transpose.js';

export const convolutionRules: Record<string, GradRule> = {
  ConvTranspose: convTranspose,
};
