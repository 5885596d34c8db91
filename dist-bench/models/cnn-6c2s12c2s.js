/**
 * The classic MATLAB DeepLearnToolbox MNIST network "6c-2s-12c-2s":
 *
 *   input [N,1,28,28]
 *   C1  Conv 5×5 valid, 1→6        → Sigmoid   [N,6,24,24]
 *   S2  edgetune.Subsample 2, β = 1/4, bias 0 (mean pooling)   [N,6,12,12]
 *   C3  Conv 5×5 valid, 6→12       → Sigmoid   [N,12,8,8]
 *   S4  edgetune.Subsample 2, β = 1/4, bias 0 (mean pooling)   [N,12,4,4]
 *   Flatten                                    [N,192]
 *   FC  Gemm 192→10                → Sigmoid   output [N,10]
 */
import { EDGETUNE_DOMAIN } from '../customops/index.js';
import { graph, node, valueInfo } from '../src/onnx/builder.js';
import { DataType } from '../src/onnx/dtypes.js';
import { Rng } from '../src/train/rng.js';
import { convWeight, edgetuneModel, filled, gemmWeight } from './build.js';
/** Seed of the weight initialisation. */
export const CNN_6C2S12C2S_SEED = 612;
const DOC = 'The DeepLearnToolbox MNIST CNN 6c-2s-12c-2s for 28x28 grayscale digits, 10 classes. '
    + 'C1 Conv 5x5 valid 1->6 + Sigmoid; S2 edgetune.Subsample 2 (beta 1/4, bias 0: mean pooling); '
    + 'C3 Conv 5x5 valid 6->12 + Sigmoid; S4 edgetune.Subsample 2 (beta 1/4, bias 0); '
    + 'Flatten to 192; FC Gemm 192->10 + Sigmoid. '
    + 'Input "input" float32 [N,1,28,28], output "output" float32 [N,10]. '
    + 'Weights Glorot-uniform from a fixed seed, biases 0.';
/** The 6c-2s-12c-2s ModelProto; the same bytes on every call. */
export function buildCnn6c2s12c2s() {
    const rng = new Rng(CNN_6C2S12C2S_SEED);
    const initializers = [
        convWeight(rng, 'C1.weight', [6, 1, 5, 5]), filled('C1.bias', 6, 0),
        filled('S2.beta', 6, 0.25), filled('S2.bias', 6, 0),
        convWeight(rng, 'C3.weight', [12, 6, 5, 5]), filled('C3.bias', 12, 0),
        filled('S4.beta', 12, 0.25), filled('S4.bias', 12, 0),
        gemmWeight(rng, 'FC.weight', 10, 192), filled('FC.bias', 10, 0),
    ];
    const et = { domain: EDGETUNE_DOMAIN };
    const nodes = [
        node('Conv', ['input', 'C1.weight', 'C1.bias'], ['C1'], { kernel_shape: [5, 5] }, { name: 'C1' }),
        node('Sigmoid', ['C1'], ['C1_act'], {}, { name: 'C1_act' }),
        node('Subsample', ['C1_act', 'S2.beta', 'S2.bias'], ['S2'], { size: 2 }, { name: 'S2', ...et }),
        node('Conv', ['S2', 'C3.weight', 'C3.bias'], ['C3'], { kernel_shape: [5, 5] }, { name: 'C3' }),
        node('Sigmoid', ['C3'], ['C3_act'], {}, { name: 'C3_act' }),
        node('Subsample', ['C3_act', 'S4.beta', 'S4.bias'], ['S4'], { size: 2 }, { name: 'S4', ...et }),
        node('Flatten', ['S4'], ['S4_flat'], { axis: 1 }, { name: 'S4_flat' }),
        node('Gemm', ['S4_flat', 'FC.weight', 'FC.bias'], ['FC'], { transB: 1 }, { name: 'FC' }),
        node('Sigmoid', ['FC'], ['output'], {}, { name: 'FC_act' }),
    ];
    const g = graph('cnn_6c2s12c2s', nodes, [valueInfo('input', DataType.FLOAT, ['N', 1, 28, 28])], [valueInfo('output', DataType.FLOAT, ['N', 10])], initializers);
    return edgetuneModel(g, DOC);
}
