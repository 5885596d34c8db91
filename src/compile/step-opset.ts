/**
 * The default-domain opset a CPU training step is built at. A model at
 * opsets 13–15 gets a step at 16, where ScatterElements (and ScatterND) add
 * where indices repeat: MaxPool's backward over overlapping windows (ResNet's
 * 3×3 stride-2 stem pool) is then one scatter of δ at MaxPool's Indices
 * instead of one scatter, two strided Slices and a GatherElements per class
 * of windows that never overlap (about 4 ms of a ResNet-18 step at batch 32).
 *
 * From 13 to 16 the default domain's ops only gain types, optional inputs or
 * attributes whose defaults keep the old meaning (ONNX's version converter
 * adapts every other op between them as compatible, or by setting GRU's,
 * LSTM's and RNN's new layout to its default), with two exceptions, which
 * keep the model's opset: RoiAlign (16 changes the default
 * coordinate_transformation_mode) and BatchNormalization with outputs beside
 * Y (up to 13 ONNX Runtime reads them as training mode, from 14 the
 * training_mode attribute decides, and 14 drops the saved mean and variance
 * outputs). Models with local functions keep it too (a function's imports
 * must agree with the model's).
 * GPU steps keep it as well: their providers' scatter kernels with a
 * reduction are not the ones measured.
 */
import type { GraphProto, ModelProto, NodeProto } from '../onnx/types.js';
import { defaultOpset } from '../onnx/model-io.js';

/** The opset the step is raised to, and the lowest opset raised. */
export const STEP_OPSET = 16;
const RAISED_FROM = 13;

/** Every node of a graph and of the graphs its nodes hold (If, Loop, Scan bodies). */
function allNodes(g: GraphProto): NodeProto[] {
  return g.node.flatMap((n) => [n, ...n.attribute.flatMap((a) => [...(a.g ? [a.g] : []), ...a.graphs]).flatMap(allNodes)]);
}

/** Whether a default-domain node means something else at STEP_OPSET than at 13–15. */
function changesMeaning(n: NodeProto): boolean {
  if ((n.domain ?? '') !== '' && n.domain !== 'ai.onnx') return false;
  return n.op_type === 'RoiAlign' || (n.op_type === 'BatchNormalization' && n.output.filter((v) => v !== '').length > 1);
}

/** The step's default opset for `proto` (the model's, or STEP_OPSET where raising it keeps every node's meaning). */
export function stepOpset(proto: ModelProto, gpu: boolean): number {
  const opset = defaultOpset(proto);
  if (gpu || opset < RAISED_FROM || opset >= STEP_OPSET || proto.functions.length > 0) return opset;
  return allNodes(proto.graph!).some(changesMeaning) ? opset : STEP_OPSET;
}

/** Set the model's default-domain import to `version` (new import objects: a view may share them with its model). */
export function setDefaultOpset(proto: ModelProto, version: number): void {
  const isDefault = (d: string | undefined) => (d ?? '') === '' || d === 'ai.onnx';
  proto.opset_import = [...proto.opset_import.filter((o) => !isDefault(o.domain)), { domain: '', version }];
}
