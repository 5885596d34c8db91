/** Element-wise math and activations: Pow, Sqrt, Reciprocal, Exp, Log, Abs, Neg, Sin, Cos, Erf, PRelu, Selu, Softplus, Softsign, Mish, Gelu, Where. */
import type { GradRule } from '../rule.js';
import { abs } from './abs.js';
import { cos } from './cos.js';
import { erf } from './erf.js';
import { exp } from './exp.js';
import { gelu } from './gelu.js';
import { log } from './log.js';
import { mish } from './mish.js';
import { neg } from './neg.js';
import { pRelu } from './p-relu.js';
import { pow } from './pow.js';
import { reciprocal } from './reciprocal.js';
import { selu } from './selu.js';
import { sin } from './sin.js';
import { softplus } from './softplus.js';
import { softsign } from './softsign.js';
import { sqrt } from './sqrt.js';
import { where } from './where.js';

export const mathRules: Record<string, GradRule> = {
  Pow: pow,
  Sqrt: sqrt,
  Reciprocal: reciprocal,
  Exp: exp,
  Log: log,
  Abs: abs,
  Neg: neg,
  Sin: sin,
  Cos: cos,
  Erf: erf,
  PRelu: pRelu,
  Selu: selu,
  Softplus: softplus,
  Softsign: softsign,
  Mish: mish,
  Gelu: gelu,
  Where: where,
};
