import { randomFloats, seeded } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';
import { unaryCases } from './unary-cases.js';

export const cases: RuleCase[] = unaryCases('Gelu', {
  values: (n: number, s: number) => randomFloats(seeded(s), n, -3.5, 3.5),
  opsets: [20],
  attrs: [
    ['approximate left at its default', {}],
    ['approximate none', { approximate: 'none' }],
    ['approximate tanh', { approximate: 'tanh' }],
  ],
});
