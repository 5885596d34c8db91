/**
 * The training view of a model: the graph ONNX Runtime runs during training.
 * Trained initializers become graph inputs (new weights are fed every step
 * without re-creating the session) and every intermediate value a backward
 * rule reads becomes a graph output. Nothing else changes, so the forward pass
 * is the model's own, on the same execution provider as inference.
 */
import type { OnnxModel } from '../model.js';
import { valueInfo } from '../onnx/builder.js';
import { tensorDims } from '../onnx/tensor-codec.js';
import type { ModelProto } from '../onnx/types.js';

export function trainingView(model: OnnxModel, params: readonly string[], saved: readonly string[]): ModelProto {
  const trained = new Set(params);
  // the trained initializers become inputs: the copy leaves their data out
  const moved = model.graph.initializer.filter((t) => trained.has(t.name ?? ''));
  const proto = model.runtimeProto(trained);
  const g = proto.graph!;
  const declared = new Set(g.input.map((v) => v.name));
  g.input = g.input.filter((v) => !trained.has(v.name ?? ''));
  for (const t of moved) g.input.push(valueInfo(t.name ?? '', t.data_type ?? 1, tensorDims(t)));
  const outs = new Set(g.output.map((v) => v.name));
  for (const v of saved) {
    if (outs.has(v) || declared.has(v)) continue;
    g.output.push({ name: v, metadata_props: [] });
    outs.add(v);
  }
  return proto;
}
