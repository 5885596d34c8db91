import { reduceCases } from './reduce-cases.js';
import type { RuleCase } from './rule-case.js';

export const cases: RuleCase[] = reduceCases('ReduceSumSquare');
