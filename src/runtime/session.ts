/**
 * A session over an ONNX model on one execution provider, with feeds checked
 * against the model's declared inputs before ONNX Runtime sees them.
 */
import { EdgetuneError, InputError } from '../errors.js';
import type { TensorSpec } from '../model.js';
import type { Backend, InferenceSession, OrtTensor } from './backend.js';
import { describeTensor, elemTypeOf, fromOrt, toOrt, type Feed, type HostTensor } from './host-tensor.js';

export interface SessionOptions {
  /** execution providers to try, in order (e.g. ['webgpu', 'wasm']) */
  providers?: readonly string[];
  /** a name for messages, usually the model's file */
  label?: string;
  /** extra ONNX Runtime session options */
  ortOptions?: InferenceSession.SessionOptions;
  /**
   * outputs left in GPU memory (ONNX Runtime's preferredOutputLocation
   * 'gpu-buffer') when the session runs on a provider that can (webgpu);
   * runRaw returns them as GPU tensors, to be fed back or downloaded
   */
  gpuOutputs?: readonly string[];
}

/** Providers whose sessions can leave outputs in GPU buffers. */
export const GPU_BUFFER_PROVIDERS: readonly string[] = ['webgpu'];

function outputLocations(provider: string, gpuOutputs: readonly string[] | undefined): InferenceSession.SessionOptions {
  if (!gpuOutputs || gpuOutputs.length === 0 || !GPU_BUFFER_PROVIDERS.includes(provider)) return {};
  return { preferredOutputLocation: Object.fromEntries(gpuOutputs.map((n) => [n, 'gpu-buffer' as const])) };
}

export class RuntimeError extends EdgetuneError {
  override name = 'RuntimeError';
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);
}

export class Session {
  private constructor(
    private readonly backend: Backend,
    private readonly session: InferenceSession,
    readonly provider: string,
    readonly inputs: readonly TensorSpec[],
    readonly label: string,
  ) {}

  /** Create a session, trying each provider in order; the error names every failure. */
  static async create(backend: Backend, bytes: Uint8Array, inputs: readonly TensorSpec[], opts: SessionOptions = {}): Promise<Session> {
    const providers = opts.providers && opts.providers.length > 0 ? opts.providers : backend.defaultProviders;
    const label = opts.label ?? '<model>';
    const failures: string[] = [];
    for (const p of providers) {
      if (!backend.providers.includes(p)) {
        failures.push(`${p}: not available on ${backend.platform} (have ${backend.providers.join(', ')})`);
        continue;
      }
      try {
        const s = await backend.ort.InferenceSession.create(bytes, {
          executionProviders: [p],
          graphOptimizationLevel: 'all',
          ...backend.sessionOptions?.(p),
          ...opts.ortOptions,
          ...outputLocations(p, opts.gpuOutputs),
        });
        return new Session(backend, s, p, inputs, label);
      } catch (e) {
        failures.push(`${p}: ${firstLine(e)}`);
      }
    }
    throw new RuntimeError(`${label}: ONNX Runtime could not load the model (${failures.join('; ')})`);
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  private check(feeds: Record<string, Feed>): void {
    // an unknown name first: a misspelt input is also a missing one, and this says which names exist
    const known = new Set(this.session.inputNames);
    for (const k of Object.keys(feeds)) {
      if (!known.has(k)) throw new InputError(`${this.label}: the model has no input '${k}' (inputs: ${this.inputs.map((i) => i.name).join(', ')})`);
    }
    for (const spec of this.inputs) {
      const t = feeds[spec.name];
      if (!t) throw new InputError(`${this.label}: input '${spec.name}' (${describeTensor(spec, spec.elemType)}) is missing`);
      const et = elemTypeOf(t);
      const bad = (spec.elemType !== 0 && et !== spec.elemType) ||
        (spec.dims !== undefined && (spec.dims.length !== t.dims.length || spec.dims.some((d, i) => typeof d === 'number' && d > 0 && d !== t.dims[i])));
      if (bad) {
        throw new InputError(`${this.label}: input '${spec.name}' expects ${describeTensor(spec, spec.elemType)}, got ${describeTensor(t, et)}`);
      }
    }
  }

  /** Run the model; returns the requested outputs (all by default), which must be in CPU memory. */
  async run(feeds: Record<string, Feed>, outputs?: readonly string[]): Promise<Record<string, HostTensor>> {
    const result = await this.runRaw(feeds, outputs);
    const out: Record<string, HostTensor> = {};
    for (const [k, v] of Object.entries(result)) out[k] = fromOrt(v);
    return out;
  }

  /**
   * The runtime's copies of outputs it also wrote into the caller's arrays,
   * when each copy's buffer is its own (not the caller's array, nor shared
   * with another view): those nothing else can read.
   */
  private static ownCopies(result: Record<string, OrtTensor>, fetches: Record<string, OrtTensor | null>): ArrayBuffer[] {
    const copies = new Set<ArrayBuffer>();
    for (const [k, into] of Object.entries(fetches)) {
      const copy = result[k];
      if (!into || !copy || copy === into || copy.location !== 'cpu') continue;
      const data = copy.data as ArrayBufferView;
      const buffer = data.buffer;
      if (buffer instanceof ArrayBuffer && buffer !== (into.data as ArrayBufferView).buffer && data.byteOffset === 0 && data.byteLength === buffer.byteLength) copies.add(buffer);
    }
    return [...copies];
  }

  /**
   * Run the model on feeds as they are (ONNX Runtime tensors, GPU ones
   * included, pass through unconverted); returns ONNX Runtime tensors, those
   * named in `gpuOutputs` still in GPU memory on a GPU provider. The caller
   * owns them: dispose() frees a GPU tensor's buffer. Outputs named in
   * `into` are written into those host arrays and returned as them;
   * onnxruntime-node also copies each into a new array of its own, which the
   * backend's releaseBuffers frees at once (ResNet-18's 45 MB of new weights
   * per step would otherwise wait for the collector).
   */
  async runRaw(feeds: Record<string, Feed>, outputs?: readonly string[], into?: Record<string, Feed>): Promise<Record<string, OrtTensor>> {
    this.check(feeds);
    const ortFeeds: Record<string, OrtTensor> = {};
    for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = toOrt(this.backend.ort, v);
    // outputs named in `into` are written into the tensors given there (CPU arrays of the output's size)
    const fetches = into && outputs ? Object.fromEntries(outputs.map((n) => [n, into[n] ? toOrt(this.backend.ort, into[n]) : null])) : undefined;
    try {
      const result = fetches ? await this.session.run(ortFeeds, fetches) : outputs ? await this.session.run(ortFeeds, [...outputs]) : await this.session.run(ortFeeds);
      if (!fetches) return result as Record<string, OrtTensor>;
      const out = { ...result } as Record<string, OrtTensor>;
      const copies = Session.ownCopies(out, fetches);
      for (const [k, t] of Object.entries(fetches)) if (t) out[k] = t;
      if (copies.length > 0) this.backend.releaseBuffers?.(copies);
      return out;
    } catch (e) {
      throw new RuntimeError(`${this.label}: ONNX Runtime failed to run the model (${firstLine(e)})`);
    }
  }

  /** A host array as a tensor of this session's ONNX Runtime (no copy). */
  tensor(feed: Feed): OrtTensor {
    return toOrt(this.backend.ort, feed);
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
