import { reduceCases, reduceTieCases } from './reduce-cases.js';
import type { RuleCase } from './rule-case.js';

export const cases: RuleCase[] = reduceCases('ReduceMax');

/** Tied values, for the emitter check only (see reduceTieCases). */
export const tieCases: RuleCase[] = reduceTieCases('ReduceMax');
