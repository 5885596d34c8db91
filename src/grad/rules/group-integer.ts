/** Ops whose outputs carry no gradient (integer, boolean and shape-valued results). */
import type { GradRule } from '../rule.js';

export const integerRules: Record<string, GradRule> = {
};
