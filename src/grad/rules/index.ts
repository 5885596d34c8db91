/**
 * The gradient rule registry: one object keyed by op type (edgetune-domain ops
 * as `edgetune.<Op>`). Each rule lives in its own file beside this one; the
 * group files only list them.
 */
import type { GradRule } from '../rule.js';
import { activationRules } from './group-activations.js';
import { convolutionRules } from './group-convolution.js';
import { elementwiseRules } from './group-elementwise.js';
import { indexingRules } from './group-indexing.js';
import { integerRules } from './group-integer.js';
import { mathRules } from './group-math.js';
import { normalizationRules } from './group-normalization.js';
import { paperRules } from './group-paper.js';
import { poolingRules } from './group-pooling.js';
import { reductionRules } from './group-reductions.js';
import { resamplingRules } from './group-resampling.js';
import { shapeRules } from './group-shape.js';

export const rules: Readonly<Record<string, GradRule>> = Object.freeze({
  ...paperRules,
  ...elementwiseRules,
  ...activationRules,
  ...poolingRules,
  ...shapeRules,
  ...reductionRules,
  ...mathRules,
  ...indexingRules,
  ...resamplingRules,
  ...convolutionRules,
  ...normalizationRules,
  ...integerRules,
});

/** The registry key of a node: its op type, prefixed by its domain unless that is the default one. */
export function ruleKey(domain: string, opType: string): string {
  return domain === '' || domain === 'ai.onnx' ? opType : `${domain}.${opType}`;
}
