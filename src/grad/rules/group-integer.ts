/** Ops whose outputs carry no gradient (integer, boolean and shape-valued results); see no-gradient.ts. */
import type { GradRule } from '../rule.js';
import { noGradient } from './no-gradient.js';

const OPS = [
  // shapes and sizes
  'Shape', 'Size', 'ConstantOfShape', 'Range', 'EyeLike',
  // indices
  'ArgMax', 'ArgMin', 'NonZero', 'NonMaxSuppression', 'OneHot',
  // comparisons and logic
  'Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf', 'BitShift',
  'BitwiseAnd', 'BitwiseOr', 'BitwiseXor', 'BitwiseNot',
  // piecewise constant
  'Floor', 'Ceil', 'Round', 'Sign',
  // random values
  'RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'Bernoulli', 'Multinomial',
] as const;

export const integerRules: Record<string, GradRule> = Object.fromEntries(OPS.map((op) => [op, noGradient]));
