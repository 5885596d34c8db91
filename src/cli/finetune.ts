/**
 * `edgetune finetune`: fine-tune a model's weights on a dataset and write the
 * tuned .onnx (only the trained initializers' values change).
 */
import { isLossName, LOSSES } from '../grad/losses.js';
import { checkWritable, writeFileAtomic } from '../node/files.js';
import { nodeBackend } from '../node/backend.js';
import { loadModelFile, saveModel } from '../node/model-file.js';
import { AUGMENT_MODES, type AugmentMode } from '../train/data/augment.js';
import { augmentedSource } from '../train/augmented.js';
import { FeatureSplit, fitCached, splitForTuner } from '../train/feature-cache.js';
import { tempFileSpill } from '../train/feature-spill.js';
import { checkLabels, formatConfusion } from '../train/metrics.js';
import { replaceHead, type ReplacedHead } from '../graph/passes/replace-head.js';
import { classMapText, prepareData, recordPersonalisation } from './finetune-data.js';
import { folderCheckpoints } from '../train/checkpoint.js';
import { safetensorsBytes } from '../train/export.js';
import { confusionMatrix, evaluate, fit, type EvalResult, type FitOptions, type FitResult } from '../train/fit.js';
import { optimizers, type OptimizerName } from '../train/optimizers/index.js';
import type { Schedule } from '../train/schedules.js';
import { Tuner } from '../train/tuner.js';
import { makeReporter } from './progress.js';
import { untieParameters } from '../graph/passes/untie.js';
import { list, number, parse, str, UsageError } from './common.js';

export const finetuneUsage = `usage: edgetune finetune <model.onnx> --data <mnist|dir> [--eval <mnist|dir>] --out <tuned.onnx>
    [--epochs N] [--batch-size B] [--lr η] [--optimizer sgd|momentum|adam|adamw]
    [--loss mse|cross-entropy|bce-with-logits] [--freeze <name|glob>,...] [--train-after <node>]
    [--no-shuffle] [--seed S] [--checkpoint-dir D] [--resume D] [--export-weights F] [--json]
  more: [--output <name>] [--in-place] [--checkpoint-every N] [--weight-decay W] [--momentum M] [--nesterov]
        [--schedule constant|step|cosine] [--step-size N] [--gamma G] [--warmup N] [--max-grad-norm G]
        [--sparsity entropy|paper-l1] [--sparsity-lambda λ] [--max-bad-steps K]
        [--scale S] [--mean m,...] [--std s,...] [--max-steps N] [--backward compiled|typescript]
        [--classes c,...] (keep only these labels, in --data and --eval) [--per-class K] (first K training rows per class)
        [--untie] (give each use of a tensor the exporter shared between layers its own copy)
        [--bn frozen|train] (BatchNormalization with its running statistics, or with batch statistics,
        updating the running ones; default frozen)
  personalise: [--new-head] (a fresh classifier for the classes in --data, trained alone unless --train-after widens it)
        [--head-node <name>] [--val-split F] (hold out a stratified fraction when there is no --eval)
        [--early-stopping N] (epochs without a lower validation loss) [--keep best|last] (default best with validation)
        [--augment none|flip|crop|all] (image folders; default none) [--no-cache] (never cache frozen-layer features)
  defaults: --epochs 1 --batch-size 32 --optimizer adam --lr 0.001 (sgd/momentum: 0.01) --loss cross-entropy --seed 0`;

const nodes = (n: number) => `${n} node${n === 1 ? '' : 's'}`;

function floats(v: unknown, flag: string): number[] | undefined {
  const items = list(v);
  if (items.length === 0) return undefined;
  return items.map((s) => number(s, flag, 0));
}

export async function finetuneCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    data: { type: 'string' }, eval: { type: 'string' }, out: { type: 'string' }, epochs: { type: 'string' },
    'batch-size': { type: 'string' }, lr: { type: 'string' }, optimizer: { type: 'string' }, loss: { type: 'string' },
    freeze: { type: 'string', multiple: true }, 'train-after': { type: 'string' }, 'no-shuffle': { type: 'boolean' },
    seed: { type: 'string' }, 'checkpoint-dir': { type: 'string' }, resume: { type: 'string' }, 'export-weights': { type: 'string' },
    json: { type: 'boolean' }, output: { type: 'string' }, 'in-place': { type: 'boolean' }, 'checkpoint-every': { type: 'string' },
    'weight-decay': { type: 'string' }, momentum: { type: 'string' }, nesterov: { type: 'boolean' }, schedule: { type: 'string' },
    'step-size': { type: 'string' }, gamma: { type: 'string' }, warmup: { type: 'string' }, 'max-grad-norm': { type: 'string' },
    sparsity: { type: 'string' }, 'sparsity-lambda': { type: 'string' }, 'max-bad-steps': { type: 'string' },
    scale: { type: 'string' }, mean: { type: 'string' }, std: { type: 'string' }, 'max-steps': { type: 'string' },
    backward: { type: 'string' }, classes: { type: 'string', multiple: true }, 'per-class': { type: 'string' },
    untie: { type: 'boolean' }, bn: { type: 'string' }, 'new-head': { type: 'boolean' }, 'head-node': { type: 'string' },
    'val-split': { type: 'string' }, 'early-stopping': { type: 'string' }, keep: { type: 'string' }, augment: { type: 'string' },
    'no-cache': { type: 'boolean' },
  }, finetuneUsage);
  if (positionals.length !== 1) throw new UsageError(finetuneUsage);
  const modelFile = positionals[0]!;
  const dataSpec = str(values.data);
  const out = str(values.out) ?? (values['in-place'] ? modelFile : undefined);
  if (!dataSpec) throw new UsageError(`--data is required (mnist or a folder)\n${finetuneUsage}`);
  if (!out) throw new UsageError(`--out is required\n${finetuneUsage}`);
  const optimizer = str(values.optimizer) ?? 'adam';
  if (!(optimizer in optimizers)) throw new UsageError(`--optimizer '${optimizer}' is not one of ${Object.keys(optimizers).join(', ')}`);
  const lossName = str(values.loss) ?? 'cross-entropy';
  if (!isLossName(lossName)) throw new UsageError(`--loss '${lossName}' is not one of ${LOSSES.join(', ')}`);
  const epochs = number(values.epochs, '--epochs', 1, { integer: true, min: 0 });
  const batchSize = number(values['batch-size'], '--batch-size', 32, { integer: true, min: 1 });
  const lr = number(values.lr, '--lr', optimizer === 'sgd' || optimizer === 'momentum' ? 0.01 : 1e-3, { min: 0 });
  const seed = number(values.seed, '--seed', 0, { integer: true });
  const warmup = number(values.warmup, '--warmup', 0, { integer: true, min: 0 });
  const kind = str(values.schedule) ?? 'constant';
  let schedule: Schedule;
  if (kind === 'constant') schedule = { kind };
  else if (kind === 'step') schedule = { kind, stepSize: number(values['step-size'], '--step-size', 1000, { integer: true, min: 1 }), gamma: number(values.gamma, '--gamma', 0.1, { min: 0 }) };
  else if (kind === 'cosine') schedule = { kind, totalSteps: 0 };
  else throw new UsageError(`--schedule '${kind}' is not one of constant, step, cosine`);
  if (warmup > 0) schedule.warmupSteps = warmup;
  const sparsityKind = str(values.sparsity);
  if (sparsityKind && sparsityKind !== 'entropy' && sparsityKind !== 'paper-l1') throw new UsageError(`--sparsity '${sparsityKind}' is not one of entropy, paper-l1`);
  const mode = values.json ? 'json' : process.stdout.isTTY ? 'tty' : 'plain';
  const report = makeReporter(mode);

  // an output that cannot be written is refused now, not after the training it would throw away
  await checkWritable(out);
  const weightsTarget = str(values['export-weights']);
  if (weightsTarget) await checkWritable(weightsTarget);

  const model = await loadModelFile(modelFile);
  if (values.untie) {
    const untied = untieParameters(model);
    const copies = [...untied.values()].reduce((a, c) => a + c.length, 0);
    report.event('notice', { message: 'untie', untied: Object.fromEntries(untied) },
      untied.size === 0 ? 'untie: no tensor is shared between parameter inputs' : `untie: ${untied.size} shared tensor(s) (${[...untied.keys()].join(', ')}) get ${copies} copies`);
  }
  const inputShape = model.inputs[0]?.dims;
  const scale = values.scale === undefined ? undefined : number(values.scale, '--scale', 1 / 255);
  const mean = floats(values.mean, '--mean');
  const std = floats(values.std, '--std');
  const norm = { ...(scale !== undefined ? { scale } : {}), ...(mean ? { mean } : {}), ...(std ? { std } : {}) };
  const classes = list(values.classes).map((c) => number(c, '--classes', 0, { integer: true, min: 0 }));
  const perClass = values['per-class'] === undefined ? undefined : number(values['per-class'], '--per-class', 1, { integer: true, min: 1 });
  const valSplit = values['val-split'] === undefined ? undefined : number(values['val-split'], '--val-split', 0.1, { min: 0 });
  if (valSplit !== undefined && (valSplit <= 0 || valSplit >= 1)) throw new UsageError(`--val-split expects a fraction between 0 and 1, got '${String(values['val-split'])}'`);
  if (valSplit !== undefined && values.eval !== undefined) throw new UsageError('--val-split holds out part of --data when there is no --eval; give one of them');
  const augmentMode = str(values.augment) ?? 'none';
  if (!(AUGMENT_MODES as readonly string[]).includes(augmentMode)) throw new UsageError(`--augment '${augmentMode}' is not one of ${AUGMENT_MODES.join(', ')}`);
  const keep = str(values.keep);
  if (keep !== undefined && keep !== 'best' && keep !== 'last') throw new UsageError(`--keep '${keep}' is not one of best, last`);
  const patience = values['early-stopping'] === undefined ? undefined : number(values['early-stopping'], '--early-stopping', 3, { integer: true, min: 1 });
  const data = await prepareData({
    data: dataSpec, ...(str(values.eval) !== undefined ? { eval: str(values.eval)! } : {}), ...(valSplit !== undefined ? { valSplit } : {}),
    seed, inputShape, norm, classes, ...(perClass !== undefined ? { perClass } : {}),
  });
  const { train, evalSet } = data;
  if ((patience !== undefined || keep === 'best') && !data.validates) throw new UsageError('--early-stopping and --keep best need validation data: --eval or --val-split');
  for (const w of data.warnings) report.event('warning', { message: w }, `warning: ${w}`);
  if (train.classes) report.event('classes', { classes: train.classes }, `classes: ${classMapText(train.classes)}`);
  let head: ReplacedHead | undefined;
  if (values['new-head']) {
    const count = train.classes?.length ?? (train.labels ? Math.max(...train.labels) + 1 : 0);
    if (count < 2) throw new UsageError(`--new-head needs labelled data with at least 2 classes; ${train.name} has ${count}`);
    head = replaceHead(model, { classes: count, seed, ...(str(values['head-node']) ? { node: str(values['head-node'])! } : {}) });
    report.event('head', { node: head.node, weight: head.weight, bias: head.bias, classes: count }, `new head: ${head.replaced}`);
  } else if (values['head-node'] !== undefined) {
    throw new UsageError('--head-node chooses the layer --new-head replaces; give --new-head too');
  }
  const bn = str(values.bn) ?? 'frozen';
  if (bn !== 'frozen' && bn !== 'train') throw new UsageError(`--bn '${bn}' is not one of frozen, train`);
  const backward = str(values.backward) ?? 'compiled';
  if (backward !== 'compiled' && backward !== 'typescript') throw new UsageError(`--backward '${backward}' is not one of compiled, typescript`);
  const stepsPerEpoch = Math.ceil(train.size / batchSize);
  if (schedule.kind === 'cosine') schedule.totalSteps = Math.max(epochs * stepsPerEpoch, (schedule.warmupSteps ?? 0) + 1);

  const output = str(values.output);
  const maxGradNorm = values['max-grad-norm'] === undefined ? undefined : number(values['max-grad-norm'], '--max-grad-norm', 0, { min: 0 });
  const tuner = await Tuner.create(model, nodeBackend, {
    loss: lossName, optimizer: optimizer as OptimizerName, lr, schedule,
    frozen: list(values.freeze),
    ...(str(values['train-after']) ? { trainAfter: str(values['train-after'])! } : head ? { trainable: [head.weight, head.bias] } : {}),
    ...(output ? { output } : {}),
    ...(values['weight-decay'] !== undefined ? { weightDecay: number(values['weight-decay'], '--weight-decay', 0, { min: 0 }) } : {}),
    ...(values.momentum !== undefined ? { momentum: number(values.momentum, '--momentum', 0.9, { min: 0 }) } : {}),
    ...(values.nesterov ? { nesterov: true } : {}),
    ...(maxGradNorm !== undefined ? { maxGradNorm } : {}),
    ...(sparsityKind ? { sparsity: { kind: sparsityKind as 'entropy' | 'paper-l1', lambda: number(values['sparsity-lambda'], '--sparsity-lambda', 1e-3, { min: 0 }) } } : {}),
    maxBadSteps: number(values['max-bad-steps'], '--max-bad-steps', 5, { integer: true, min: 1 }),
    backward,
    batchNorm: bn,
    onNotice: (msg) => report.event('notice', { message: msg }, msg),
  });
  try {
    const nParams = tuner.params.reduce((a, p) => a + p.dims.reduce((x, y) => x * y, 1), 0);
    report.event('start', { model: modelFile, backward: tuner.backwardPath, data: train.name, size: train.size, eval: evalSet?.name ?? null, params: tuner.params.map((p) => p.name), values: nParams, optimizer, lr, loss: lossName, epochs, batchSize },
      `fine-tuning ${modelFile}: ${tuner.params.length} parameter tensors (${nParams} values) on ${train.name} (${train.size} samples); ${optimizer} lr ${lr}, ${lossName}, ${epochs} epoch(s) × ${stepsPerEpoch} steps of ${batchSize}; backward: ${tuner.backwardPath}`);
    const outputClasses = tuner.classes;
    if (outputClasses !== undefined && train.labels) {
      checkLabels(train, outputClasses, 'training data');
      if (evalSet?.labels) checkLabels(evalSet, outputClasses, 'evaluation data');
    }
    let before: EvalResult | undefined;
    if (evalSet) {
      before = await evaluate(tuner, evalSet);
      report.event('eval', { when: 'before', ...before }, `before: ${evalSet.name} loss ${before.loss.toFixed(4)}, accuracy ${(before.accuracy * 100).toFixed(2)}%`);
    }
    const maxSteps = values['max-steps'] === undefined ? undefined : number(values['max-steps'], '--max-steps', 0, { integer: true, min: 1 });
    const resume = str(values.resume);
    const ckpt = str(values['checkpoint-dir']) ?? resume;
    const every = values['checkpoint-every'] === undefined ? undefined : number(values['checkpoint-every'], '--checkpoint-every', 100, { integer: true, min: 1 });
    const fitOpts: FitOptions = {
      epochs, batchSize, shuffle: !values['no-shuffle'], seed,
      onProgress: (p) => report.progress(p),
      onNotice: (msg) => report.event('notice', { message: msg }, msg),
      divergence: { nonFinite: 'stop' },
      ...(data.validates && evalSet ? { validation: evalSet, ...(keep ? { keep } : {}), ...(patience !== undefined ? { earlyStopping: patience } : {}) } : {}),
      ...(evalSet && epochs > 1 ? {
        onEpochEnd: async (epoch: number, rec: { valLoss?: number; valAccuracy?: number; trainLoss: number }) => {
          const r = rec.valLoss !== undefined ? { loss: rec.valLoss, accuracy: rec.valAccuracy ?? 0 } : await evaluate(tuner, evalSet);
          report.event('eval', { when: 'epoch', epoch: epoch + 1, ...r, trainLoss: rec.trainLoss }, `epoch ${epoch + 1}: ${evalSet.name} loss ${r.loss.toFixed(4)}, accuracy ${(r.accuracy * 100).toFixed(2)}%`);
        },
      } : {}),
      ...(ckpt ? { checkpoints: folderCheckpoints(ckpt) } : {}),
      ...(every ? { checkpointEvery: every } : {}),
      ...(resume ? { resumeFrom: folderCheckpoints(resume) } : {}),
      ...(maxSteps ? { stopAfterSteps: maxSteps } : {}),
    };
    const t0 = Date.now();
    let result: FitResult;
    const split = epochs > 1 && augmentMode === 'none' && !values['no-cache'] ? splitForTuner(tuner) : undefined;
    if (augmentMode !== 'none') {
      result = await fit(tuner, augmentedSource(tuner, train, augmentMode as AugmentMode, seed + 1), fitOpts);
    } else if (split instanceof FeatureSplit) {
      report.event('notice', { message: 'cached features', cut: split.cut, counts: split.counts },
        `features cached: the ${nodes(split.counts.prefix)} before the trained layers run once per image; epochs train only the ${nodes(split.counts.suffix)} after them`);
      result = await fitCached(tuner, nodeBackend, train, split, { ...fitOpts, cache: { spill: tempFileSpill() } });
    } else {
      result = await fit(tuner, train, fitOpts);
    }
    report.done();
    if (result.reason) report.event('stopped', { stopReason: result.stopReason ?? null, reason: result.reason }, result.reason);
    const seconds = (Date.now() - t0) / 1000;
    let after: EvalResult | undefined;
    if (evalSet) after = await evaluate(tuner, evalSet);
    await tuner.commit({ data: train.name, epochs, batchSize, lr, accuracy: after?.accuracy ?? null });
    const recorded = recordPersonalisation(model, train, dataSpec, norm, tuner.classes);
    await saveModel(model, out, { inPlace: !!values['in-place'] });
    const weightsFile = str(values['export-weights']);
    if (weightsFile) await writeFileAtomic(weightsFile, safetensorsBytes(model));
    const conf = evalSet?.labels && tuner.classes !== undefined ? await confusionMatrix(tuner, evalSet) : undefined;
    if (conf) report.event('confusion', { ...conf }, `${evalSet!.name}, per class (rows: true class, columns: predicted):\n${formatConfusion(conf, evalSet!.classes)}`);
    const summary = {
      out, steps: result.steps, seconds, lastLoss: result.lastLoss, before: before ?? null, after: after ?? null, exportWeights: weightsFile ?? null,
      stopped: result.stopped, stopReason: result.stopReason ?? null, reason: result.reason ?? null, bestEpoch: result.bestEpoch ?? null,
      restoredEpoch: result.restoredEpoch ?? null, history: result.history ?? [], metadata: recorded,
    };
    const text = [
      `done: ${result.steps} steps in ${seconds.toFixed(1)} s${result.stopReason === 'max-steps' ? ' (stopped at --max-steps)' : ''}; wrote ${out}${weightsFile ? ` and ${weightsFile}` : ''}${recorded.length > 0 ? ` (with ${recorded.join(' and ')})` : ''}`,
      ...(before && after ? [`eval accuracy: ${(before.accuracy * 100).toFixed(2)}% → ${(after.accuracy * 100).toFixed(2)}% (loss ${before.loss.toFixed(4)} → ${after.loss.toFixed(4)})`] : []),
    ].join('\n');
    report.event('summary', summary, text);
  } finally {
    await tuner.dispose();
  }
}
