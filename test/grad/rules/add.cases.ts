import { broadcastCases, type RuleCase } from './rule-case.js';

export const cases: RuleCase[] = broadcastCases('Add');
