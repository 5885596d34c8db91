/**
 * LeNet-5 as in LeCun et al. 1998, on 28×28 MNIST digits padded to the
 * paper's 32×32 by C1's pads:
 *
 *   input [N,1,28,28]
 *   C1  Conv 5×5, 1→6, pads 2      → Tanh   [N,6,28,28]
 *   S2  edgetune.Subsample 2       → Tanh   [N,6,14,14]
 *   C3  edgetune.TableConv 5×5, 6→16 with the paper's connection table → Tanh  [N,16,10,10]
 *   S4  edgetune.Subsample 2       → Tanh   [N,16,5,5]
 *   C5  Conv 5×5, 16→120           → Tanh   [N,120,1,1]
 *   Flatten                                 [N,120]
 *   F6  Gemm 120→84                → Tanh   [N,84]
 *   OUT Gemm 84→10                          logits [N,10]
 *
 * The paper's scaled tanh is a plain Tanh here and its RBF output layer a
 * fully connected one, as most reimplementations do.
 */
import { lenet5Table, EDGETUNE_DOMAIN } from '../customops/index.js';
import { floatTensor, graph, node, valueInfo } from '../src/onnx/builder.js';
import { DataType } from '../src/onnx/dtypes.js';
import type { ModelProto, TensorProto } from '../src/onnx/types.js';
import { Rng } from '../src/train/rng.js';
import { convWeight, edgetuneModel, filled, gemmWeight, glorotUniform } from './build.js';

/** Seed of the weight initialisation (the paper's year). */
export const LENET5_SEED = 1998;

const DOC = 'LeNet-5 (LeCun et al. 1998) for 28x28 grayscale digits, 10 classes. '
  + 'C1 Conv 5x5 1->6 pads 2 + Tanh; S2 edgetune.Subsample 2 (beta, bias per map) + Tanh; '
  + 'C3 edgetune.TableConv 5x5 6->16 with the paper\'s Table I connections + Tanh; S4 edgetune.Subsample 2 + Tanh; '
  + 'C5 Conv 5x5 16->120 + Tanh; Flatten; F6 Gemm 120->84 + Tanh; OUT Gemm 84->10 -> logits. '
  + 'Input "input" float32 [N,1,28,28], output "logits" float32 [N,10]. '
  + 'Weights Glorot-uniform from a fixed seed, biases 0, subsampling beta 1/4.';

/**
 * The paper's 16×6 table scaled to 16w×6w: T_w[j][i] = T[⌊j/w⌋][⌊i/w⌋],
 * row-major with rows = output maps, so the connection density stays 60/96.
 * Width 1 is the paper's table itself.
 */
export function lenet5WideTable(width: number): number[] {
  const t = lenet5Table();
  const out: number[] = [];
  for (let j = 0; j < 16 * width; j++) for (let i = 0; i < 6 * width; i++) out.push(t[Math.floor(j / width) * 6 + Math.floor(i / width)]!);
  return out;
}

/**
 * C3's kernel [c3,c1,5,5]: Glorot uniform over the dense fans (as convWeight),
 * then zero for unconnected (output, input) pairs so the stored weights say
 * what the table already enforces.
 */
function tableConvWeight(rng: Rng, table: readonly number[], c3: number, c1: number): TensorProto {
  const w = glorotUniform(rng, c3 * c1 * 25, c1 * 25, c3 * 25);
  for (let p = 0; p < c3 * c1; p++) if (table[p] === 0) w.fill(0, p * 25, (p + 1) * 25);
  return floatTensor('C3.weight', [c3, c1, 5, 5], w);
}

/** What a variant of the shipped model changes besides its width. */
export interface Lenet5Variant {
  /** seed of the weight initialisation (default LENET5_SEED) */
  seed?: number;
  /** graph name (default 'lenet5') */
  name?: string;
  /** model doc string (default the shipped model's) */
  doc?: string;
}

/**
 * The LeNet-5 ModelProto with `width`× the maps (and F6 units) per layer:
 * C1 1→6w, S2 6w, C3 6w→16w (table lenet5WideTable(w)), S4 16w, C5 16w→120w,
 * F6 120w→84w, OUT 84w→10. Width 1 with no variant is the shipped model; the
 * same bytes on every call.
 */
export function buildLenet5(width = 1, variant: Lenet5Variant = {}): ModelProto {
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`width multiplier must be a positive integer, got ${width}`);
  const rng = new Rng(variant.seed ?? LENET5_SEED);
  const c1 = 6 * width, c3 = 16 * width, c5 = 120 * width, f6 = 84 * width;
  const table = lenet5WideTable(width);
  const initializers = [
    convWeight(rng, 'C1.weight', [c1, 1, 5, 5]), filled('C1.bias', c1, 0),
    filled('S2.beta', c1, 0.25), filled('S2.bias', c1, 0),
    tableConvWeight(rng, table, c3, c1), filled('C3.bias', c3, 0),
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
  const g = graph(variant.name ?? 'lenet5', nodes,
    [valueInfo('input', DataType.FLOAT, ['N', 1, 28, 28])],
    [valueInfo('logits', DataType.FLOAT, ['N', 10])],
    initializers);
  return edgetuneModel(g, variant.doc ?? DOC);
}
