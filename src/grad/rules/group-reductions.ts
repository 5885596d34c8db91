/** Reductions and n-ary extremes: ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceL2, ReduceLogSumExp, ReduceSumSquare, Max, Min, Mean. */
import type { GradRule } from '../rule.js';
import { max } from './max.js';
import { mean } from './mean.js';
import { min } from './min.js';
import { reduceL2 } from './reduce-l2.js';
import { reduceLogSumExp } from './reduce-log-sum-exp.js';
import { reduceMax } from './reduce-max.js';
import { reduceMean } from './reduce-mean.js';
import { reduceMin } from './reduce-min.js';
import { reduceSum } from './reduce-sum.js';
import { reduceSumSquare } from './reduce-sum-square.js';

export const reductionRules: Record<string, GradRule> = {
  ReduceMean: reduceMean,
  ReduceSum: reduceSum,
  ReduceMax: reduceMax,
  ReduceMin: reduceMin,
  ReduceL2: reduceL2,
  ReduceLogSumExp: reduceLogSumExp,
  ReduceSumSquare: reduceSumSquare,
  Max: max,
  Min: min,
  Mean: mean,
};
