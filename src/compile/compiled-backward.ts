/**
 * The compiled backward pass on its own: ∂L/∂θ from ∂L/∂output through the
 * emitted graph, one ONNX Runtime session per input shape.
 */
import type { BackwardPlan } from '../grad/plan.js';
import type { OnnxModel } from '../model.js';
import { encodeForRuntime } from '../onnx/model-io.js';
import type { Backend } from '../runtime/backend.js';
import type { HostTensor } from '../runtime/host-tensor.js';
import { GPU_PROVIDERS } from '../runtime/lower.js';
import { Session } from '../runtime/session.js';
import type { Tensor } from '../tensor/tensor.js';
import { compileBackward, GRAD_OUTPUT } from './backward-graph.js';
import { GPU_MAX_OPERANDS } from './compiled-step.js';
import { recordShapePass } from './shapes.js';

export class CompiledBackward {
  private constructor(private readonly session: Session, private readonly grads: Map<string, string>, private readonly dims: Map<string, readonly number[]>) {}

  static async create(
    model: OnnxModel, backend: Backend, plan: BackwardPlan, feeds: Record<string, HostTensor>, weights: Map<string, Float32Array>,
    providers?: readonly string[],
  ): Promise<CompiledBackward> {
    const { shapes, values } = await recordShapePass(model, backend, plan, feeds, weights, providers);
    const gpu = (providers ?? backend.defaultProviders).some((p) => GPU_PROVIDERS.includes(p));
    const compiled = compileBackward(model, plan, shapes, { recorded: values, ...(gpu ? { maxOperands: GPU_MAX_OPERANDS } : {}) });
    const session = await Session.create(backend, encodeForRuntime(compiled.proto), [], {
      label: `${model.file} (compiled backward)`, ...(providers ? { providers } : {}),
    });
    return new CompiledBackward(session, compiled.grads, new Map(plan.params.map((p) => [p, shapes.get(p)!])));
  }

  async run(feeds: Record<string, HostTensor>, weights: Map<string, Float32Array>, gradOutput: Tensor): Promise<Map<string, Float32Array>> {
    const all: Record<string, HostTensor> = { ...feeds, [GRAD_OUTPUT]: gradOutput };
    for (const [p, d] of this.dims) all[p] = { dims: d, data: weights.get(p)! };
    const out = await this.session.run(all, [...this.grads.values()]);
    return new Map([...this.grads].map(([p, n]) => [p, out[n]!.data as Float32Array]));
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
