/**
 * The browser entry's Model: load from bytes or a URL, run on onnxruntime-web
 * (the caller's providers, tried in order), classify images, fine-tune with a
 * Tuner over the same backend, and take the tuned .onnx back as bytes.
 */
import { imageTensor, rgbaToPlanes, type ClassifyResult } from '../classify.js';
import { FileError, InputError } from '../errors.js';
import { channelCount } from '../model-metadata.js';
import { OnnxModel } from '../model.js';
import type { Backend } from '../runtime/backend.js';
import { ModelRunner } from '../runtime/model-runner.js';
import type { SessionOptions } from '../runtime/session.js';
import { Tuner, type TunerOptions } from '../train/tuner.js';
import { defaultProviders } from './adapter-check.js';
import { createWebBackend, type WebBackendOptions } from './backend.js';
import { imagePixels, type ImageInput } from './image-pixels.js';

export type ModelSource = Uint8Array | ArrayBuffer | string | URL;

export interface WebLoadOptions extends WebBackendOptions {
  /**
   * execution providers to try, in order (default ['webgpu', 'wasm'], less
   * 'webgpu' where the browser's WebGPU adapter is a software one or there is
   * none: see defaultProviders in adapter-check.ts)
   */
  providers?: readonly string[];
  /** one-line notices, e.g. why 'webgpu' is left out of the default providers (default: console.info, once per page) */
  onNotice?: (msg: string) => void;
  /** a name for messages (default: the URL, or '<bytes>') */
  label?: string;
  /** use this backend instead of one made from the options above */
  backend?: Backend;
}

/** The bytes at a URL, or a FileError naming it. */
export async function fetchBytes(url: string | URL): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new FileError(String(url), `cannot be fetched (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!res.ok) throw new FileError(String(url), `cannot be fetched (HTTP ${res.status})`);
  return new Uint8Array(await res.arrayBuffer());
}

/** A model on onnxruntime-web: `run(feeds)` on the first provider that starts, `provider()` says which. */
export class WebModel extends ModelRunner {
  /** Load an ONNX model from bytes or a URL; the session starts on the first run. */
  static async load(source: ModelSource, opts: WebLoadOptions = {}): Promise<WebModel> {
    const isUrl = typeof source === 'string' || source instanceof URL;
    const bytes = isUrl ? await fetchBytes(source) : source instanceof Uint8Array ? source : new Uint8Array(source);
    const file = opts.label ?? (isUrl ? String(source) : '<bytes>');
    const backend = opts.backend ?? createWebBackend(opts);
    const onnx = OnnxModel.fromBytes(bytes, file);
    const providers = opts.providers && opts.providers.length > 0 ? opts.providers
      : backend.platform === 'web' ? await defaultProviders({ providers: backend.defaultProviders, ...(opts.onNotice ? { onNotice: opts.onNotice } : {}) })
      : undefined;
    return new WebModel(onnx, backend, { label: file, ...(providers ? { providers } : {}) });
  }

  constructor(onnx: OnnxModel, backend: Backend, opts: SessionOptions = {}) {
    super(onnx, backend, opts);
  }

  /**
   * Classify an image — ImageData, an img/canvas/bitmap, or encoded bytes —
   * with the model's stored preprocessing and labels, or the defaults of a
   * model without them (see src/classify.ts): the same input Node's
   * Model.classify makes from the same pixels.
   */
  async classify(image: ImageInput): Promise<ClassifyResult> {
    const plan = this.classifierPlan();
    const c = channelCount(plan.preprocess.channels);
    const { data, width, height } = await imagePixels(image);
    return this.classifyInput(imageTensor(rgbaToPlanes(data, width, height, c), c, height, width, plan.preprocess), plan);
  }

  /** The model as .onnx bytes, with whatever weights it holds now. */
  toBytes(): Uint8Array {
    return this.onnx.toBytes();
  }
}

/** Load a model (see WebModel.load). */
export function loadModel(source: ModelSource, opts: WebLoadOptions = {}): Promise<WebModel> {
  return WebModel.load(source, opts);
}

export interface WebTunerOptions extends TunerOptions {
  /** batch size of the training steps; the first WebGL training session is built for it */
  batchSize?: number;
}

/**
 * The backward path for a provider when the caller names none: the
 * TypeScript rules on WebGL (its engine lacks ops the compiled training step
 * uses, such as OneHot); everywhere else the Tuner's default, the compiled
 * step. (On a software WebGPU adapter the compiled step runs slower than the
 * rules; pass `backward: 'typescript'` there when speed matters more.)
 */
export async function defaultBackward(provider: string | undefined): Promise<TunerOptions['backward']> {
  return provider === 'webgl' ? 'typescript' : undefined;
}

/**
 * A Tuner on the model's weights. Its forward pass runs on the provider the
 * model's inference session settled on (or on `options.providers`), and its
 * backward path is `options.backward` or defaultBackward(that provider).
 */
export async function createTuner(model: WebModel, options: WebTunerOptions): Promise<Tuner> {
  const { batchSize, ...tunerOptions } = options;
  const providers = options.providers ?? [await model.provider()];
  const backend = batchSize !== undefined && providers.includes('webgl') ? createWebBackend({ batchSize }) : model.backend;
  const backward = options.backward ?? (await defaultBackward(providers[0]));
  return Tuner.create(model.onnx, backend, { ...tunerOptions, providers, ...(backward ? { backward } : {}) });
}

/** The execution provider a tuner's forward pass runs on. */
export function tunerProvider(tuner: Tuner): string {
  return tuner.engine.provider;
}

/** Write the tuner's weights into its model (recording the fine-tune in the metadata) and return the .onnx bytes. */
export async function tunedBytes(tuner: Tuner, note: Record<string, unknown> = {}): Promise<Uint8Array> {
  return (await tuner.commit(note)).toBytes();
}

/** Bring the tuner's weights to the host, tunedBytes, then drop the model's inference session so the next run uses the tuned weights. */
export async function commitTuned(model: WebModel, tuner: Tuner, note: Record<string, unknown> = {}): Promise<Uint8Array> {
  if (tuner.model !== model.onnx) throw new InputError(`${model.onnx.file}: the tuner was created for another model`);
  const bytes = await tunedBytes(tuner, note);
  await model.invalidate();
  return bytes;
}
