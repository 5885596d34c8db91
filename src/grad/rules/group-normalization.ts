/** Normalisation: LayerNormalization, InstanceNormalization, GroupNormalization, LpNormalization. */
import type { GradRule } from '../rule.js';

export const normalizationRules: Record<string, GradRule> = {
};
