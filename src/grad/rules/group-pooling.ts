/** Pooling and normalisation rules: AveragePool, MaxPool, GlobalAveragePool, GlobalMaxPool, BatchNormalization. */
import type { GradRule } from '../rule.js';

export const poolingRules: Record<string, GradRule> = {};
