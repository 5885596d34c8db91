/** Indexing and rearranging: Expand, Tile, Gather, GatherElements, GatherND, ScatterND, ScatterElements, DepthToSpace, SpaceToDepth, Einsum. */
import type { GradRule } from '../rule.js';
import { depthToSpace } from './depth-to-space.js';
import { einsum } from './einsum.js';
import { expand } from './expand.js';
import { gather } from './gather.js';
import { gatherElements } from './gather-elements.js';
import { gatherNd } from './gather-nd.js';
import { scatterElements } from './scatter-elements.js';
import { scatterNd } from './scatter-nd.js';
import { spaceToDepth } from './space-to-depth.js';
import { tile } from './tile.js';

export const indexingRules: Record<string, GradRule> = {
  Expand: expand,
  Tile: tile,
  Gather: gather,
  GatherElements: gatherElements,
  GatherND: gatherNd,
  ScatterND: scatterNd,
  ScatterElements: scatterElements,
  DepthToSpace: depthToSpace,
  SpaceToDepth: spaceToDepth,
  Einsum: einsum,
};
