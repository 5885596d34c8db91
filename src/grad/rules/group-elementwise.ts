/** Fully connected and element-wise rules: Gemm, MatMul, Add, Sub, Mul, Div, Sum. */
import type { GradRule } from '../rule.js';

export const elementwiseRules: Record<string, GradRule> = {};
