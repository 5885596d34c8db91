/** Normalisation: LayerNormalization, InstanceNormalization, GroupNormalization, LpNormalization. */
import type { GradRule } from '../rule.js';
import { groupNormalization } from './group-normalization-op.js';
import { instanceNormalization } from './instance-normalization.js';
import { layerNormalization } from './layer-normalization.js';
import { lpNormalization } from './lp-normalization.js';

export const normalizationRules: Record<string, GradRule> = {
  LayerNormalization: layerNormalization,
  InstanceNormalization: instanceNormalization,
  GroupNormalization: groupNormalization,
  LpNormalization: lpNormalization,
};
