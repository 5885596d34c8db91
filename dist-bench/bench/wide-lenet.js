/**
 * LeNet-5 with w× the maps (and F6 units) per layer, built in memory for the
 * width-scaling workloads. The shape is that of models/lenet5.ts with
 * C1 1→6w, S2 6w, C3 6w→16w, S4 16w, C5 16w→120w, F6 120w→84w, OUT 84w→10.
 * C3's connection table is the paper's Table I blown up by w: output map j
 * reads input map i when the paper connects j/w to i/w (integer division), so
 * the connection density stays 60/96. Weights are Glorot uniform from the
 * seeded Rng as in the shipped models; w = 1 gives the same graph as
 * models/lenet5.onnx but not the same weights.
 */
import { lenet5Table, EDGETUNE_DOMAIN } from '../customops/index.js';
import { convWeight, edgetuneModel, filled, gemmWeight, glorotUniform } from '../models/build.js';
import { floatTensor, graph, node, valueInfo } from '../src/onnx/builder.js';
import { DataType } from '../src/onnx/dtypes.js';
import { Rng } from '../src/train/rng.js';
/**
 * The paper's 16×6 table scaled to 16w×6w: T_w[j][i] = T[⌊j/w⌋][⌊i/w⌋],
 * row-major with rows = output maps.
 */
export function wideTable(w) {
    const t = lenet5Table();
    const out = [];
    for (let j = 0; j < 16 * w; j++)
        for (let i = 0; i < 6 * w; i++)
            out.push(t[Math.floor(j / w) * 6 + Math.floor(i / w)]);
    return out;
}
/** The w-times-wider LeNet-5 ModelProto (input 'input' [N,1,28,28], output 'logits' [N,10]). */
export function buildWideLenet5(w) {
    if (!Number.isInteger(w) || w < 1)
        throw new RangeError(`width multiplier must be a positive integer, got ${w}`);
    const rng = new Rng(1998 + w);
    const c1 = 6 * w, c3 = 16 * w, c5 = 120 * w, f6 = 84 * w;
    const table = wideTable(w);
    const c3w = glorotUniform(rng, c3 * c1 * 25, c1 * 25, c3 * 25);
    for (let p = 0; p < c3 * c1; p++)
        if (table[p] === 0)
            c3w.fill(0, p * 25, (p + 1) * 25);
    const initializers = [
        convWeight(rng, 'C1.weight', [c1, 1, 5, 5]), filled('C1.bias', c1, 0),
        filled('S2.beta', c1, 0.25), filled('S2.bias', c1, 0),
        floatTensor('C3.weight', [c3, c1, 5, 5], c3w), filled('C3.bias', c3, 0),
        filled('S4.beta', c3, 0.25), filled('S4.bias', c3, 0),
        convWeight(rng, 'C5.weight', [c5, c3, 5, 5]), filled('C5.bias', c5, 0),
        gemmWeight(rng, 'F6.weight', f6, c5), filled('F6.bias', f6, 0),
        gemmWeight(rng, 'OUT.weight', 10, f6), filled('OUT.bias', 10, 0),
    ];
    const et = { domain: EDGETUNE_DOMAIN };
    const nodes = [
        node('Conv', ['input', 'C1.weight', 'C1.bias'], ['C1'], { kernel_shape: [5, 5], pads: [2, 2, 2, 2] }, { name: 'C1' }),
        node('Tanh', ['C1'], ['C1_act'], {}, { name: 'C1_act' }),
        node('Subsample', ['C1_act', 'S2.beta', 'S2.bias'], ['S2'], { size: 2 }, { name: 'S2', ...et }),
        node('Tanh', ['S2'], ['S2_act'], {}, { name: 'S2_act' }),
        node('TableConv', ['S2_act', 'C3.weight', 'C3.bias'], ['C3'], { table }, { name: 'C3', ...et }),
        node('Tanh', ['C3'], ['C3_act'], {}, { name: 'C3_act' }),
        node('Subsample', ['C3_act', 'S4.beta', 'S4.bias'], ['S4'], { size: 2 }, { name: 'S4', ...et }),
        node('Tanh', ['S4'], ['S4_act'], {}, { name: 'S4_act' }),
        node('Conv', ['S4_act', 'C5.weight', 'C5.bias'], ['C5'], { kernel_shape: [5, 5] }, { name: 'C5' }),
        node('Tanh', ['C5'], ['C5_act'], {}, { name: 'C5_act' }),
        node('Flatten', ['C5_act'], ['C5_flat'], { axis: 1 }, { name: 'C5_flat' }),
        node('Gemm', ['C5_flat', 'F6.weight', 'F6.bias'], ['F6'], { transB: 1 }, { name: 'F6' }),
        node('Tanh', ['F6'], ['F6_act'], {}, { name: 'F6_act' }),
        node('Gemm', ['F6_act', 'OUT.weight', 'OUT.bias'], ['logits'], { transB: 1 }, { name: 'OUT' }),
    ];
    const g = graph(`lenet5_w${w}`, nodes, [valueInfo('input', DataType.FLOAT, ['N', 1, 28, 28])], [valueInfo('logits', DataType.FLOAT, ['N', 10])], initializers);
    return edgetuneModel(g, `LeNet-5 with ${w}x the maps per layer (benchmark variant).`);
}
