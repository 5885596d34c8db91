/**
 * A WebGL session that behaves like any other. WebGL builds a session for one
 * set of input shapes and checks every run against the shapes of the first,
 * so a model with a symbolic batch dim gets one session per batch size here,
 * built when that size is first run (the most recently used few are kept).
 * Conv weights that the graph would compute (see lower.ts) are computed on the
 * host from the feeds before each run.
 */
import { cloneModel, encodeModel } from '../onnx/model-io.js';
import type { ModelProto } from '../onnx/types.js';
import type { InferenceSession, OrtModule, OrtTensor } from '../runtime/backend.js';
import { lowerForWebgl, pinBatch, type HostInput } from '../runtime/lower.js';

type CreateOrt = (bytes: Uint8Array, options?: InferenceSession.SessionOptions) => Promise<InferenceSession>;
type Feeds = Record<string, OrtTensor>;

/** Sessions kept at once; older batch sizes are released and rebuilt when needed again. */
const KEEP = 4;

function pinned(model: ModelProto, batch: number): { bytes: Uint8Array; names: string[] } {
  const m = cloneModel(model);
  const names = pinBatch(m, batch);
  return { bytes: encodeModel(m), names };
}

/** Stands in for one onnxruntime-web WebGL session (run, release, input and output names). */
export class WebglSession {
  private readonly sessions = new Map<number, Promise<InferenceSession>>();

  private constructor(
    private readonly model: ModelProto,
    private readonly host: HostInput[],
    private readonly wanted: Set<string>,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
    private readonly batchInput: string | undefined,
    private readonly ort: Pick<OrtModule, 'Tensor'> & { create: CreateOrt },
    private readonly options: InferenceSession.SessionOptions | undefined,
    first: InferenceSession,
    firstBatch: number,
  ) {
    this.sessions.set(firstBatch, Promise.resolve(first));
  }

  /**
   * A WebGL session for the model `bytes`, built at once for `batch` (default
   * 1) so that a model WebGL cannot run fails here, where the provider
   * fallback can catch it.
   */
  static async create(
    bytes: Uint8Array, options: InferenceSession.SessionOptions | undefined,
    ort: Pick<OrtModule, 'Tensor'> & { create: CreateOrt }, batch = 1,
  ): Promise<InferenceSession> {
    const { model, host } = lowerForWebgl(bytes);
    const first = pinned(model, batch);
    const session = await ort.create(first.bytes, options);
    const original = new Set(host.flatMap((h) => h.from));
    const hostNames = new Set(host.map((h) => h.name));
    const inputNames = [...session.inputNames.filter((n) => !hostNames.has(n)), ...[...original].filter((n) => !session.inputNames.includes(n))];
    const wrapper = new WebglSession(
      model, host, new Set(session.inputNames), inputNames, session.outputNames,
      first.names.find((n) => !hostNames.has(n)), ort, options, session, first.names.length > 0 ? batch : 0,
    );
    return wrapper as unknown as InferenceSession;
  }

  private sessionFor(batch: number): Promise<InferenceSession> {
    let s = this.sessions.get(batch);
    if (s) {
      this.sessions.delete(batch);
      this.sessions.set(batch, s);
      return s;
    }
    s = this.ort.create(pinned(this.model, batch).bytes, this.options);
    this.sessions.set(batch, s);
    s.catch(() => this.sessions.delete(batch));
    while (this.sessions.size > KEEP) {
      const [oldest, old] = this.sessions.entries().next().value as [number, Promise<InferenceSession>];
      this.sessions.delete(oldest);
      void old.then((o) => o.release()).catch(() => undefined);
    }
    return s;
  }

  /** The feeds the rewritten graph takes: host-computed weights added, feeds it does not read left out. */
  private feedsFor(feeds: Feeds): Feeds {
    const out: Feeds = {};
    for (const [k, v] of Object.entries(feeds)) if (this.wanted.has(k)) out[k] = v;
    for (const h of this.host) {
      const from = h.from.map((name) => feeds[name]?.data as Float32Array | undefined);
      if (from.some((x) => x === undefined)) continue;
      out[h.name] = new this.ort.Tensor('float32', h.compute(from as Float32Array[]), h.dims);
    }
    return out;
  }

  async run(feeds: Feeds, ...rest: unknown[]): Promise<InferenceSession.OnnxValueMapType> {
    const batch = this.batchInput !== undefined ? feeds[this.batchInput]?.dims[0] ?? 1 : 0;
    const session = await this.sessionFor(batch);
    return (session.run as (...a: unknown[]) => Promise<InferenceSession.OnnxValueMapType>)(this.feedsFor(feeds), ...rest);
  }

  async release(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.then((o) => o.release()).catch(() => undefined)));
  }
}
