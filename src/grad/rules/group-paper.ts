/** The paper's rules (shared/docs/paper-rules.md): Conv, edgetune Subsample, CombineMaps, TableConv. */
import type { GradRule } from '../rule.js';

export const paperRules: Record<string, GradRule> = {};
