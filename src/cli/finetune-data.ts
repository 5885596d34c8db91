/**
 * The data side of `edgetune finetune`: the training split and the one used
 * to choose and report (an --eval set, a --val-split of the training data,
 * or MNIST's test digits), labelled with ONE class map taken from the
 * training data, and the preprocessing and labels written into the tuned
 * model so that it classifies with no flags.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { writeLabels, writePreprocess } from '../model-metadata.js';
import type { OnnxModel } from '../model.js';
import { filterClasses, takePerClass, type Dataset } from '../train/data/dataset.js';
import { loadDataset, type LoadOptions } from '../train/data/load.js';
import { splitValidation } from '../train/data/split.js';

export interface DataRequest {
  data: string;
  eval?: string;
  valSplit?: number;
  seed: number;
  inputShape: LoadOptions['inputShape'];
  norm: Pick<LoadOptions, 'scale' | 'mean' | 'std'>;
  /** --classes: keep only these labels */
  classes: number[];
  /** --per-class: the first K training rows of each class */
  perClass?: number;
}

export interface PreparedData {
  train: Dataset;
  /** the set reported after every epoch and at the end */
  evalSet?: Dataset;
  /** whether evalSet chooses the weights kept and drives early stopping (an explicit --eval or --val-split) */
  validates: boolean;
  /** one line each: skipped files, classes missing from a split */
  warnings: string[];
}

export async function prepareData(r: DataRequest): Promise<PreparedData> {
  const pick = (d: Dataset, training: boolean): Dataset => {
    let out = r.classes.length > 0 ? filterClasses(d, r.classes) : d;
    if (training && r.perClass !== undefined) out = takePerClass(out, r.perClass);
    return out;
  };
  const full = await loadDataset(r.data, { inputShape: r.inputShape, split: 'train', ...r.norm });
  const warnings = [...(full.warnings ?? [])];
  let train = pick(full, true);
  let evalSet: Dataset | undefined;
  let validates = false;
  if (r.eval !== undefined) {
    const e = await loadDataset(r.eval, { inputShape: r.inputShape, split: 'test', ...r.norm, ...(full.classes ? { classes: full.classes } : {}) });
    warnings.push(...(e.warnings ?? []));
    evalSet = pick(e, false);
    validates = true;
  } else if (r.valSplit !== undefined) {
    const s = splitValidation(train, r.valSplit, r.seed);
    train = s.train;
    evalSet = s.val;
    validates = true;
  } else if (r.data === 'mnist') {
    evalSet = pick(await loadDataset('mnist', { inputShape: r.inputShape, split: 'test', ...r.norm }), false);
  }
  return { train, ...(evalSet ? { evalSet } : {}), validates, warnings };
}

/** `0=cat 1=dog ...`: the class map, as printed at the start. */
export function classMapText(classes: readonly string[]): string {
  return classes.map((c, i) => `${i}=${c}`).join(' ');
}

/** Whether the data was made from pixels (MNIST or an image folder), so its preprocessing describes images. */
export function isImageData(spec: string): boolean {
  return spec === 'mnist' || !existsSync(path.join(spec, 'x.npy'));
}

/**
 * Record in the model how its inputs were made and what its outputs mean:
 * `edgetune.preprocess` for image data (size, channels, scale, mean, std as
 * given to finetune) and `edgetune.labels` when the class names are known and
 * as many as the output's classes.
 */
export function recordPersonalisation(model: OnnxModel, d: Dataset, spec: string, norm: DataRequest['norm'], outputClasses: number | undefined): string[] {
  const written: string[] = [];
  if (isImageData(spec) && d.sampleShape.length === 3) {
    const [c, h, w] = d.sampleShape as [number, number, number];
    writePreprocess(model, {
      size: [h, w], channels: c === 1 ? 'gray' : 'RGB', scale: norm.scale ?? 1 / 255,
      mean: norm.mean ?? [0], std: norm.std ?? [1],
    });
    written.push('edgetune.preprocess');
  }
  if (d.classes && outputClasses !== undefined && d.classes.length === outputClasses) {
    writeLabels(model, d.classes);
    written.push('edgetune.labels');
  }
  return written;
}
