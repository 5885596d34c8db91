/** Indexing and rearranging: Expand, Tile, Gather, GatherElements, GatherND, ScatterND, ScatterElements, DepthToSpace, SpaceToDepth, Einsum. */
import type { GradRule } from '../rule.js';

export const indexingRules: Record<string, GradRule> = {
};
