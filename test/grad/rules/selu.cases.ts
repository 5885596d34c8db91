import { awayFrom } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';
import { unaryCases } from './unary-cases.js';

export const cases: RuleCase[] = unaryCases('Selu', {
  values: (n: number, s: number) => awayFrom(n, -2.5, 2, [0], 0.15, s),
  opsets: [8, 17],
  attrs: [
    ['the default alpha and gamma', {}],
    ['alpha 0.7, gamma 2', { alpha: 0.7, gamma: { float: 2 } }],
    ['a negative alpha', { alpha: -1.3 }],
  ],
});
