import type { RuleCase } from './rule-case.js';
import { axisCases } from './softmax.cases.js';

export const cases: RuleCase[] = axisCases('LogSoftmax');
