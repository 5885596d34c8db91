/**
 * The personalisation page's training, without the page: images of a few
 * named classes become model inputs (by the model's stored preprocessing, or
 * the defaults classify uses), some are held out for testing, the model's
 * classifier gets a new head with one output per class (replaceHead), and
 * only that head trains. When everything before the head is frozen, which it
 * is here, the frozen backbone runs once per image (FeatureCache, in memory)
 * and the steps train the head alone on the stored features; a model that
 * cannot be split trains the whole graph with the head as its only
 * parameters. The result is the .onnx with the trained head, the class names
 * (edgetune.labels) and the preprocessing (edgetune.preprocess) inside.
 *
 * It imports the library through its browser entry only, so the page's
 * bundle shares edgetune.js's classes (FeatureSplit checks are instanceof).
 */
import {
  channelCount, confusionMatrix, evaluate, FeatureCache, FeatureSplit, imageTensor, InputError, makeBatch, replaceHead, rgbaToPlanes, Rng,
  splitFrozenPrefix, Tuner, writeLabels, writePreprocess,
  type Backend, type Batch, type ClassifierPlan, type Confusion, type Dataset, type EvalResult, type OnnxModel, type Preprocess,
  type ReplacedHead, type RgbaPixels, type StepInfo, type TrainingData,
} from './index.js';

/** A class holds out images for testing only when every class has at least this many. */
export const HOLD_OUT_MIN = 5;

/**
 * Which images of each class are held out for testing: about one in five
 * (at least one) of each class, drawn by a seeded shuffle, when every class
 * has at least HOLD_OUT_MIN images; none otherwise (accuracy is then
 * measured on the training images).
 */
export function holdOut(counts: readonly number[], seed = 1): boolean[][] {
  const hold = counts.length > 0 && counts.every((n) => n >= HOLD_OUT_MIN);
  return counts.map((n, k) => {
    const held = new Array<boolean>(n).fill(false);
    if (!hold) return held;
    const m = Math.max(1, Math.round(n / 5));
    const order = new Rng(seed + k).permutation(n);
    for (let i = 0; i < m; i++) held[order[i]!] = true;
    return held;
  });
}

/** One image as the model input `plan` describes. */
export function imageInput(plan: ClassifierPlan, image: RgbaPixels): Float32Array {
  const c = channelCount(plan.preprocess.channels);
  return imageTensor(rgbaToPlanes(image.data, image.width, image.height, c), c, image.height, image.width, plan.preprocess);
}

export interface LabelledImage {
  /** the class index */
  label: number;
  image: RgbaPixels;
}

/** Labelled images as a dataset of model inputs for `plan`. */
export function imageDataset(name: string, plan: ClassifierPlan, images: readonly LabelledImage[], classes: readonly string[]): Dataset {
  const sampleShape = plan.dims.slice(1);
  const per = sampleShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(images.length * per);
  images.forEach((e, i) => x.set(imageInput(plan, e.image), i * per));
  return { name, size: images.length, sampleShape, x, labels: Int32Array.from(images, (e) => e.label), classes: [...classes] };
}

export interface HeadTrainingOptions {
  backend: Backend;
  /** execution providers for every session (the backbone's and the head's) */
  providers: string[];
  lr: number;
  batchSize: number;
  /** seeds the head's initialisation and the batch order (default 1) */
  seed?: number;
  backward?: 'compiled' | 'typescript';
  /** bytes of cached features held in memory (default 256 MiB); more images train uncached */
  memoryLimit?: number;
  onNotice?: (msg: string) => void;
  /** while the backbone runs over the images: rows done of rows */
  onCacheProgress?: (done: number, total: number) => void;
}

export interface CacheInfo {
  /** the frozen layers' outputs the head trains on */
  cut: readonly string[];
  /** nodes before and after the cut */
  counts: { prefix: number; suffix: number };
  /** seconds the backbone took over the training and test images */
  seconds: number;
}

const DEFAULT_MEMORY_LIMIT = 256 * 1024 * 1024;

/** A new head on a model and the training of it alone (see the file comment). */
export class HeadTraining {
  readonly batchSize: number;
  private readonly rng: Rng;
  private order: Int32Array = new Int32Array(0);
  private at = 0;

  private constructor(
    /** the model with its new head; finish() writes the trained head into it */
    readonly model: OnnxModel,
    readonly head: ReplacedHead,
    readonly classes: readonly string[],
    /** the tuner whose steps train the head: on the cached features' suffix model, or on the whole model */
    readonly tuner: Tuner,
    private readonly train: TrainingData,
    private readonly test: TrainingData,
    private readonly plain: Dataset,
    /** set when the steps train on cached features */
    readonly cache: CacheInfo | undefined,
    /** why the features are not cached, when they are not */
    readonly uncachedReason: string | undefined,
    private readonly caches: FeatureCache[],
    batchSize: number,
    seed: number,
  ) {
    this.batchSize = tuner.fixedBatch ?? Math.min(batchSize, train.size);
    this.rng = new Rng(seed);
  }

  /**
   * Replace `model`'s head (the model is changed) by one with a class per
   * name, and get ready to train it on `train`, measuring on `test` (which
   * may be `train` itself).
   */
  static async create(model: OnnxModel, classes: readonly string[], train: Dataset, test: Dataset, opts: HeadTrainingOptions): Promise<HeadTraining> {
    if (classes.length < 2) throw new InputError(`a new head needs at least 2 classes, got ${classes.length}`);
    if (train.size === 0) throw new InputError('there are no training images');
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new InputError(`batch size must be a positive integer, got ${opts.batchSize}`);
    const seed = opts.seed ?? 1;
    const head = replaceHead(model, { classes: classes.length, seed });
    const trainable = [head.weight, head.bias];
    const tunerOptions = {
      loss: 'cross-entropy' as const, optimizer: 'adam' as const, lr: opts.lr, trainable, providers: opts.providers,
      ...(opts.backward ? { backward: opts.backward } : {}), ...(opts.onNotice ? { onNotice: opts.onNotice } : {}),
    };
    const split = splitFrozenPrefix(model, trainable);
    let reason = split instanceof FeatureSplit ? undefined : split.reason;
    if (split instanceof FeatureSplit) {
      const caches: FeatureCache[] = [];
      try {
        const cacheOpts = { providers: opts.providers, memoryLimit: opts.memoryLimit ?? DEFAULT_MEMORY_LIMIT, batchSize: 32 };
        const total = train.size + (test === train ? 0 : test.size);
        const trainCache = await FeatureCache.build(split, opts.backend, train, { ...cacheOpts, onProgress: (d) => opts.onCacheProgress?.(d, total) });
        caches.push(trainCache);
        const testCache = test === train ? trainCache
          : await FeatureCache.build(split, opts.backend, test, { ...cacheOpts, onProgress: (d) => opts.onCacheProgress?.(train.size + d, total) });
        if (testCache !== trainCache) caches.push(testCache);
        const tuner = await Tuner.create(trainCache.suffixModel(), opts.backend, tunerOptions);
        const info: CacheInfo = { cut: split.cut, counts: split.counts, seconds: caches.reduce((a, c) => a + c.seconds, 0) };
        return new HeadTraining(model, head, classes, tuner, trainCache, testCache, train, info, undefined, caches, opts.batchSize, seed);
      } catch (e) {
        for (const c of caches) await c.dispose();
        // more features than the memory limit allows: train uncached instead
        if (!(e instanceof InputError) || !/memory limit/.test(e.message)) throw e;
        reason = e.message;
      }
    }
    const tuner = await Tuner.create(model, opts.backend, tunerOptions);
    return new HeadTraining(model, head, classes, tuner, train, test, train, undefined, reason, [], opts.batchSize, seed);
  }

  /** Rows of the next batch: a seeded shuffle of the training rows, reshuffled when it runs out. */
  private nextRows(): number[] {
    const n = this.train.size;
    const take = Math.min(this.batchSize, n);
    if (this.order.length === 0 || this.at + take > n) {
      this.order = this.rng.permutation(n);
      this.at = 0;
    }
    const rows = Array.from(this.order.subarray(this.at, this.at + take));
    this.at += take;
    // a fixed-batch model takes exactly its batch: fewer rows repeat
    return Array.from({ length: this.batchSize }, (_, i) => rows[i % rows.length]!);
  }

  private async batch(rows: number[]): Promise<Batch> {
    const t = this.train;
    return 'batch' in t ? t.batch(rows) : makeBatch(this.tuner, this.plain, rows);
  }

  /** One optimizer step on the next batch. */
  async step(): Promise<StepInfo> {
    return this.tuner.trainStep(await this.batch(this.nextRows()));
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.tuner.step;
  }

  /** Loss and accuracy on the test images with the current weights. */
  evaluate(): Promise<EvalResult> {
    return evaluate(this.tuner, this.test, 64);
  }

  /** Per-class results on the test images with the current weights. */
  confusion(): Promise<Confusion> {
    return confusionMatrix(this.tuner, this.test, 64);
  }

  /**
   * Write the trained head into the model with the class names and the
   * preprocessing the images were made with, record the training in
   * edgetune.finetune, and return the .onnx bytes.
   */
  async finish(preprocess: Preprocess, note: Record<string, unknown> = {}): Promise<Uint8Array> {
    await this.tuner.sync();
    for (const p of this.tuner.params) this.model.write(p.name, this.tuner.weights.get(p.name)!);
    const record = JSON.stringify({
      steps: this.tuner.step, loss: 'cross-entropy', optimizer: 'adam', params: this.tuner.params.length,
      newHead: this.head.node, classes: this.classes.length, cachedFeatures: this.cache !== undefined, ...note,
    });
    const props = this.model.proto.metadata_props;
    const entry = props.find((p) => p.key === 'edgetune.finetune');
    if (entry) entry.value = record;
    else props.push({ key: 'edgetune.finetune', value: record });
    writeLabels(this.model, this.classes);
    writePreprocess(this.model, preprocess);
    return this.model.toBytes();
  }

  /** Free the sessions and the cached features. */
  async dispose(): Promise<void> {
    try {
      await this.tuner.dispose();
    } finally {
      for (const c of this.caches) await c.dispose();
    }
  }
}
