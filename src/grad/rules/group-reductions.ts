/** Reductions and n-ary extremes: ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceL2, ReduceLogSumExp, ReduceSumSquare, Max, Min, Mean. */
import type { GradRule } from '../rule.js';

export const reductionRules: Record<string, GradRule> = {
};
