/**
 * The whole training step as one ONNX model: forward + loss + backward +
 * optimizer update. It takes the batch, the target, the weights, the
 * optimizer slots and the step's scalars, and returns the new weights, the new
 * slots, the loss, the model output, the gradient norm and a finiteness check
 * of the new weights — one session.run per step.
 */
import type { LossName } from '../grad/losses.js';
import type { BackwardPlan } from '../grad/plan.js';
import type { OnnxModel } from '../model.js';
import { valueInfo } from '../onnx/builder.js';
import { DataType } from '../onnx/dtypes.js';
import { defaultOpset } from '../onnx/model-io.js';
import type { ModelProto } from '../onnx/types.js';
import { trainingView } from '../runtime/training-view.js';
import type { OptimizerName } from '../train/optimizers/index.js';
import { emitBackward } from './backward-graph.js';
import { GraphEmitter } from './emit.js';
import { emitLoss } from './loss-emit.js';
import { emitUpdate, slotNames, stepInputs, type OptimizerHyper } from './optimizer-emit.js';

export const TARGET = 'edgetune.target';
export const LOSS = 'edgetune.loss';
export const GRAD_NORM = 'edgetune.grad_norm';
/** Σ (w′ − w′) over every new weight: 0 when all are finite, NaN when any is not. */
export const UPDATE_CHECK = 'edgetune.update_check';
export const MAX_NORM = 'edgetune.max_grad_norm';
export const newWeight = (p: string) => `edgetune.new/${p}`;
export const slotInput = (p: string, s: string) => `edgetune.slot/${p}::${s}`;
export const newSlot = (p: string, s: string) => `edgetune.new/${p}::${s}`;

export interface StepGraphOptions {
  loss: LossName;
  optimizer: OptimizerName;
  hyper: OptimizerHyper;
  /** integer labels [N] (true) or float targets with the output's N·K values, in any shape (false) */
  labels: boolean;
  /** the target's dims and element type as fed (the loss's contract, src/grad/losses.ts) */
  target: { dims: readonly number[]; elemType: number };
  /** forward values to return as well (BatchNormalization's batch statistics) */
  extraOutputs?: readonly string[];
  /** clip gradients to a global norm fed as input `edgetune.max_grad_norm` */
  clip: boolean;
}

export function compileStep(model: OnnxModel, plan: BackwardPlan, shapes: Map<string, readonly number[]>, opts: StepGraphOptions): ModelProto {
  const proto = trainingView(model, plan.params, []);
  const g = proto.graph!;
  const e = new GraphEmitter(shapes, 'step');
  const yDims = shapes.get(plan.output)!;
  const opset = defaultOpset(model.proto);
  g.input.push(valueInfo(TARGET, opts.target.elemType, [...opts.target.dims]));
  const loss = emitLoss(e, opts.loss, plan.output, yDims, TARGET, opts.labels, opset);
  let grads = emitBackward(plan, e, loss.grad, opset);

  const squares = plan.params.map((p) => e.add('ReduceSumSquare', [grads.get(p)!], { keepdims: 0 })[0]!);
  const norm = e.add('Sqrt', [squares.length === 1 ? squares[0]! : e.add('Sum', squares)[0]!])[0]!;
  if (opts.clip) {
    g.input.push(valueInfo(MAX_NORM, DataType.FLOAT, []));
    const ratio = e.add('Div', [MAX_NORM, e.add('Add', [norm, e.floats([1e-6], [])])[0]!])[0]!;
    const factor = e.add('Min', [ratio, e.floats([1], [])])[0]!;
    grads = new Map([...grads].map(([p, n]) => [p, e.add('Mul', [n, factor])[0]!]));
  }

  const outputs: string[] = [];
  const checks: string[] = [];
  for (const p of plan.params) {
    const dims = [...shapes.get(p)!];
    const inp = stepInputs(p);
    for (const s of Object.values(inp)) g.input.push(valueInfo(s, DataType.FLOAT, []));
    const slots: Record<string, string> = {};
    for (const s of slotNames[opts.optimizer]) {
      slots[s] = slotInput(p, s);
      g.input.push(valueInfo(slots[s], DataType.FLOAT, dims));
    }
    const upd = emitUpdate(e, opts.optimizer, opts.hyper, p, grads.get(p)!, slots, p);
    e.nodes.push({ input: [upd.weight], output: [newWeight(p)], op_type: 'Identity', name: `${newWeight(p)}/out`, attribute: [], metadata_props: [] });
    outputs.push(newWeight(p));
    checks.push(e.add('ReduceSum', [e.add('Sub', [upd.weight, upd.weight])[0]!], { keepdims: 0 })[0]!);
    for (const [s, v] of Object.entries(upd.slots)) {
      e.nodes.push({ input: [v], output: [newSlot(p, s)], op_type: 'Identity', name: `${newSlot(p, s)}/out`, attribute: [], metadata_props: [] });
      outputs.push(newSlot(p, s));
    }
  }
  e.nodes.push({ input: [loss.loss], output: [LOSS], op_type: 'Identity', name: `${LOSS}/out`, attribute: [], metadata_props: [] });
  e.nodes.push({ input: [norm], output: [GRAD_NORM], op_type: 'Identity', name: `${GRAD_NORM}/out`, attribute: [], metadata_props: [] });
  const check = checks.length === 1 ? checks[0]! : e.add('Sum', checks)[0]!;
  e.nodes.push({ input: [check], output: [UPDATE_CHECK], op_type: 'Identity', name: `${UPDATE_CHECK}/out`, attribute: [], metadata_props: [] });
  g.node.push(...e.nodes);
  g.initializer.push(...e.constants);
  const keepOutput = g.output.filter((o) => o.name === plan.output);
  g.output = [...keepOutput, ...[...outputs, LOSS, GRAD_NORM, UPDATE_CHECK, ...(opts.extraOutputs ?? [])].map((n) => ({ name: n, metadata_props: [] }))];
  return proto;
}
