/**
 * Weights for other runtimes: every float initializer (float32, float64,
 * float16 as raw bits) in safetensors, names kept verbatim.
 */
import { encodeSafetensors, type SafeTensor } from '../io/safetensors.js';
import type { OnnxModel } from '../model.js';
import { DataType } from '../onnx/dtypes.js';
import { readTensor } from '../onnx/tensor-codec.js';

export function floatInitializers(model: OnnxModel): Map<string, SafeTensor> {
  const out = new Map<string, SafeTensor>();
  for (const t of model.initializers) {
    const kind = t.data_type === DataType.FLOAT ? 'F32' : t.data_type === DataType.DOUBLE ? 'F64' : t.data_type === DataType.FLOAT16 ? 'F16' : undefined;
    if (!kind) continue;
    const d = readTensor(t, model.external, model.file);
    out.set(d.name, { dtype: kind, shape: d.dims, data: d.data as SafeTensor['data'] });
  }
  return out;
}

export function safetensorsBytes(model: OnnxModel, metadata: Record<string, string> = {}): Uint8Array {
  return encodeSafetensors(floatInitializers(model), { format: 'pt', source: model.file, ...metadata });
}
