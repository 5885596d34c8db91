/**
 * LeNet-5 with w× the maps (and F6 units) per layer, for the width-scaling
 * workloads: the width-w graph of models/lenet5.ts (C1 1→6w, S2 6w,
 * C3 6w→16w, S4 16w, C5 16w→120w, F6 120w→84w, OUT 84w→10). C3's connection
 * table is the paper's Table I blown up by w: output map j reads input map i
 * when the paper connects j/w to i/w (integer division), so the connection
 * density stays 60/96. Weights are Glorot uniform from seed 1998 + w, so
 * w = 1 gives the same graph as models/lenet5.onnx but not the same weights.
 */
import { buildLenet5, lenet5WideTable } from '../models/lenet5.js';
import type { ModelProto } from '../src/onnx/types.js';

/**
 * The paper's 16×6 table scaled to 16w×6w: T_w[j][i] = T[⌊j/w⌋][⌊i/w⌋],
 * row-major with rows = output maps.
 */
export function wideTable(w: number): number[] {
  return lenet5WideTable(w);
}

/** The w-times-wider LeNet-5 ModelProto (input 'input' [N,1,28,28], output 'logits' [N,10]). */
export function buildWideLenet5(w: number): ModelProto {
  return buildLenet5(w, {
    seed: 1998 + w,
    name: `lenet5_w${w}`,
    doc: `LeNet-5 with ${w}x the maps per layer (benchmark variant).`,
  });
}
