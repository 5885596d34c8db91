/** Element-wise math and activations: Pow, Sqrt, Reciprocal, Exp, Log, Abs, Neg, Sin, Cos, Erf, PRelu, Selu, Softplus, Softsign, Mish, Gelu, Where. */
import type { GradRule } from '../rule.js';

export const mathRules: Record<string, GradRule> = {
};
