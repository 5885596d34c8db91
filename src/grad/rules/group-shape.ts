/** Shape rules: Flatten, Reshape, Squeeze, Unsqueeze, Transpose, Concat, Split, Slice, Pad, Identity, Dropout, Constant, Cast. */
import type { GradRule } from '../rule.js';

export const shapeRules: Record<string, GradRule> = {};
