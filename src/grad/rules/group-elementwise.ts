/** Fully connected and element-wise rules: Gemm, MatMul, Add, Sub, Mul, Div, Sum. */
import type { GradRule } from '../rule.js';
import { add } from './add.js';
import { div } from './div.js';
import { gemm } from './gemm.js';
import { matMul } from './mat-mul.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { sum } from './sum.js';

export const elementwiseRules: Record<string, GradRule> = {
  Gemm: gemm,
  MatMul: matMul,
  Add: add,
  Sub: sub,
  Mul: mul,
  Div: div,
  Sum: sum,
};
