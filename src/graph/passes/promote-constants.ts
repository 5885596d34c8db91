/**
 * Training pass: float Constant nodes of the main graph become initializers
 * of the same name, so weights an exporter stored as Constant nodes can be
 * trained like any initializer (fed as graph inputs by the training view).
 * The values are unchanged and so is every value name; only the copy used for
 * training is rewritten — tuned values go back into the Constant nodes of the
 * user's model (OnnxModel.write finds them there).
 */
import { DataType } from '../../onnx/dtypes.js';
import type { ModelProto, TensorProto } from '../../onnx/types.js';
import { constantValue } from '../constant-tensors.js';

/** Promote every float32 Constant `value` tensor of the main graph; returns the promoted names. Mutates `m`. */
export function promoteConstants(m: ModelProto): string[] {
  const g = m.graph;
  if (!g) return [];
  const promoted: string[] = [];
  const kept = g.node.filter((n) => {
    const t = constantValue(n);
    const name = n.output[0];
    if (!t || t.data_type !== DataType.FLOAT || !name) return true;
    const init: TensorProto = { ...t, name };
    g.initializer.push(init);
    promoted.push(name);
    return false;
  });
  g.node = kept;
  return promoted;
}
