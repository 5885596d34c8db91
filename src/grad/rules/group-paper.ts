/** The paper's rules (shared/docs/paper-rules.md): Conv, edgetune Subsample, CombineMaps, TableConv. */
import type { GradRule } from '../rule.js';
import { combineMaps } from './combine-maps.js';
import { conv } from './conv.js';
import { subsample } from './subsample.js';
import { tableConv } from './table-conv.js';

export const paperRules: Record<string, GradRule> = {
  Conv: conv,
  'edgetune.Subsample': subsample,
  'edgetune.CombineMaps': combineMaps,
  'edgetune.TableConv': tableConv,
};
