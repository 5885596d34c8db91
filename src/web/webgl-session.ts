/**
 * WebGL builds a session for one set of input shapes and checks every run
 * against the shapes of the first, so a model with a symbolic batch dim gets
 * one session per batch size here, built when that size is first run (the
 * most recently used few are kept).
 */
import { cloneModel, encodeModel } from '../onnx/model-io.js';
import type { ModelProto } from '../onnx/types.js';
import type { InferenceSession } from '../runtime/backend.js';
import { lowerForGpu, pinBatch, typeBareOutputs } from './lower.js';

type CreateOrt = (bytes: Uint8Array, options?: InferenceSession.SessionOptions) => Promise<InferenceSession>;
type Feeds = Record<string, { dims: readonly number[] }>;

/** Sessions kept at once; older batch sizes are released and rebuilt when needed again. */
const KEEP = 4;

function pinned(lowered: ModelProto, batch: number): { bytes: Uint8Array; names: string[] } {
  const m = cloneModel(lowered);
  const names = pinBatch(m, batch);
  return { bytes: encodeModel(m), names };
}

export class PerBatchSession {
  private readonly sessions = new Map<number, Promise<InferenceSession>>();

  private constructor(
    private readonly lowered: ModelProto,
    private readonly batchInput: string,
    private readonly createOrt: CreateOrt,
    private readonly options: InferenceSession.SessionOptions | undefined,
    private readonly first: InferenceSession,
    firstBatch: number,
  ) {
    this.sessions.set(firstBatch, Promise.resolve(first));
  }

  /**
   * A WebGL session for `bytes`, built at once for `batch` so that a model
   * WebGL cannot run fails here; a model without a symbolic batch dim gets a
   * plain session.
   */
  static async create(bytes: Uint8Array, options: InferenceSession.SessionOptions | undefined, createOrt: CreateOrt, batch = 1): Promise<InferenceSession> {
    const lowered = lowerForGpu(bytes);
    typeBareOutputs(lowered);
    const first = pinned(lowered, batch);
    const session = await createOrt(first.bytes, options);
    const batchInput = first.names[0];
    if (batchInput === undefined) return session;
    return new PerBatchSession(lowered, batchInput, createOrt, options, session, batch) as unknown as InferenceSession;
  }

  get inputNames(): readonly string[] {
    return this.first.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.first.outputNames;
  }

  private sessionFor(batch: number): Promise<InferenceSession> {
    let s = this.sessions.get(batch);
    if (s) {
      this.sessions.delete(batch);
      this.sessions.set(batch, s);
      return s;
    }
    s = this.createOrt(pinned(this.lowered, batch).bytes, this.options);
    this.sessions.set(batch, s);
    s.catch(() => this.sessions.delete(batch));
    while (this.sessions.size > KEEP) {
      const [oldest, old] = this.sessions.entries().next().value as [number, Promise<InferenceSession>];
      this.sessions.delete(oldest);
      void old.then((o) => o.release()).catch(() => undefined);
    }
    return s;
  }

  async run(feeds: Feeds, ...rest: unknown[]): Promise<InferenceSession.OnnxValueMapType> {
    const batch = feeds[this.batchInput]?.dims[0] ?? 1;
    const session = await this.sessionFor(batch);
    return (session.run as (...a: unknown[]) => Promise<InferenceSession.OnnxValueMapType>)(feeds, ...rest);
  }

  async release(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.then((o) => o.release()).catch(() => undefined)));
  }
}
