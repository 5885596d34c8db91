/** Resampling: Resize, Upsample. */
import type { GradRule } from '../rule.js';
import { resize } from './resize.js';
import { upsample } from './upsample.js';

export const resamplingRules: Record<string, GradRule> = {
  Resize: resize,
  Upsample: upsample,
};
