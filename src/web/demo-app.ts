/**
 * The demo page: load the shipped LeNet-5 (or a user's .onnx), pick the
 * execution provider, fine-tune on a compact set of real MNIST digits with a
 * live plot, draw a digit and see the class probabilities, download the tuned
 * model, and keep it in IndexedDB across reloads. A model that stores class
 * names (edgetune.labels) shows them, and one that stores its preprocessing
 * (edgetune.preprocess) gets the digits and the drawing normalised by it.
 * It uses only the public browser API (./index.js, bundled as edgetune.js).
 * The page's second mode, personalising any image classifier, is
 * personalise-app.ts (./?mode=personalise).
 */
import {
  classifierPlan, commitTuned, createTuner, decodeDigits, grayInputs, interpretOutput, deleteStoredModel, evaluate, fetchBytes, loadModel, loadStoredModel, makeBatch,
  OnnxModel, ort, Rng, saveStoredModel, tunerProvider, webgpuAdapterInfo, configureOrt,
  type AdapterInfo, type ClassifierPlan, type Dataset, type DigitSplit, type Tuner, type WebModel,
} from './index.js';
import { DrawPad, showInput } from './demo-draw.js';
import { $, ago, checkDigitModel, countWeights, exclusive, message, percent, setStatus } from './demo-format.js';
import { BATCH, checkNumber, LEARNING_RATE, showMessage, STEPS, type NumberField } from './personalise-form.js';
import { TrainingPlot } from './demo-plot.js';
import { bootPersonalise, personaliseMode } from './personalise-app.js';

const STORE_KEY = 'demo:tuned';
const SHIPPED_URL = 'models/lenet5.onnx';
const SHIPPED_NAME = 'LeNet-5 (shipped)';
const PROVIDERS = ['webgpu', 'webgl', 'wasm'] as const;
type Provider = (typeof PROVIDERS)[number];
const EVAL_BATCH = 250;

interface State {
  digits?: DigitSplit;
  /** the digits as the current model reads them (normalised by its stored preprocessing) */
  data?: DigitSplit;
  model?: WebModel;
  plan?: ClassifierPlan;
  name: string;
  shipped: boolean;
  wanted: Provider;
  adapter?: AdapterInfo;
  busy: boolean;
  training?: Tuner;
  stop: boolean;
  steps: number;
  accuracy?: number;
  seed: number;
}

const state: State = { name: SHIPPED_NAME, shipped: true, wanted: 'wasm', busy: false, stop: false, steps: 0, seed: 1 };


function setBusy(busy: boolean): void {
  state.busy = busy;
  for (const id of ['reset', 'download', 'file-input', 'steps', 'batch', 'lr']) ($(id) as HTMLInputElement).disabled = busy;
  for (const r of document.querySelectorAll<HTMLInputElement>('input[name=ep]')) r.disabled = busy || r.dataset.unavailable === 'true';
  $('file-label').classList.toggle('disabled', busy);
}

function describeProvider(p: string): string {
  if (p === 'webgpu') {
    const a = state.adapter;
    const what = a ? [a.vendor, a.architecture || a.description].filter(Boolean).join(' ') : '';
    return `WebGPU${what ? ` · ${what}` : ''}`;
  }
  if (p === 'webgl') return 'WebGL';
  const threads = ort.env.wasm.numThreads ?? 1;
  return `WASM · ${threads} thread${threads === 1 ? '' : 's'}${crossOriginIsolated ? '' : ' (page not cross-origin isolated)'}`;
}

/** The digits (values in [0,1]) as a model with stored preprocessing reads them; unchanged for one without. */
function digitsFor(plan: ClassifierPlan, d: DigitSplit | undefined): DigitSplit | undefined {
  if (!d || !plan.stored) return d;
  const map = (s: Dataset): Dataset => ({ ...s, x: grayInputs(s.x, s.size, 28, 28, plan.preprocess) });
  return { train: map(d.train), test: map(d.test) };
}

/** Load bytes as the current model on the wanted provider, falling back to wasm (and saying why). */
async function useModel(bytes: Uint8Array, name: string, shipped: boolean): Promise<void> {
  const onnx = OnnxModel.fromBytes(bytes, name);
  checkDigitModel(onnx);
  const plan = classifierPlan(onnx);
  const old = state.model;
  let model: WebModel;
  let note = '';
  try {
    model = await loadModel(bytes, { providers: [state.wanted], label: name });
    await exclusive(() => model.provider());
  } catch (e) {
    if (state.wanted === 'wasm') throw e;
    note = `${state.wanted} could not run this model (${message(e).replace(/^.*?\(/, '').replace(/\)$/, '')}); using WASM instead.`;
    model = await loadModel(bytes, { providers: ['wasm'], label: name });
    await exclusive(() => model.provider());
  }
  if (old) await old.dispose();
  state.model = model;
  state.plan = plan;
  state.data = digitsFor(plan, state.digits);
  buildBars(plan.labels);
  state.name = name;
  state.shipped = shipped;
  const provider = await model.provider();
  $('runtime-pill').textContent = describeProvider(provider);
  $('runtime-pill').dataset.provider = provider;
  $('ep-note').textContent = note;
  $('ep-note').dataset.kind = note ? 'warn' : '';
  $('model-name').textContent = name;
  $('model-meta').textContent = `${countWeights(model.onnx).toLocaleString()} weights · ${model.onnx.graph.node.length} nodes · input '${model.inputs[0]!.name}' [${model.inputs[0]!.dims?.join(',')}]`;
  document.body.dataset.provider = provider;
}

/** Top-1 accuracy of the current model on a dataset, in batches. */
async function accuracyOf(model: WebModel, d: Dataset): Promise<number> {
  const input = model.inputs[0]!.name;
  let correct = 0;
  for (let start = 0; start < d.size; start += EVAL_BATCH) {
    const n = Math.min(EVAL_BATCH, d.size - start);
    const x = d.x.subarray(start * 784, (start + n) * 784);
    const out = await exclusive(() => model.run({ [input]: { dims: [n, 1, 28, 28], data: x } }));
    const y = Object.values(out)[0]!.data as Float32Array;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let k = 1; k < 10; k++) if (y[i * 10 + k]! > y[i * 10 + best]!) best = k;
      if (best === d.labels![start + i]) correct++;
    }
  }
  return correct / d.size;
}

async function refreshAccuracy(): Promise<void> {
  if (!state.model || !state.data) return;
  state.accuracy = await accuracyOf(state.model, state.data.test);
  $('stat-acc').textContent = percent(state.accuracy);
}

let pad: DrawPad;
let plot: TrainingPlot;
let predicting = false;
let predictAgain = false;

/** Predict the drawn digit with the weights being trained (during training) or the model's. */
async function predictDrawing(): Promise<void> {
  if (predicting) { predictAgain = true; return; }
  predicting = true;
  try {
    do {
      predictAgain = false;
      const drawn = pad.toInput($<HTMLCanvasElement>('preview'));
      if (!drawn) { showProbabilities(undefined); continue; }
      const model = state.model, plan = state.plan;
      if (!model || !plan) continue;
      const x = plan.stored ? grayInputs(drawn, 1, 28, 28, plan.preprocess) : drawn;
      const feeds = { [model.inputs[0]!.name]: { dims: [1, 1, 28, 28], data: x } };
      const tuner = state.training;
      const out = await exclusive(async () => (tuner ? tuner.predict(feeds) : Object.values(await model.run(feeds))[0]!.data as Float32Array));
      showProbabilities(interpretOutput(model.onnx.file, plan, out.subarray(0, 10), [1, 10]).probabilities);
    } while (predictAgain);
  } catch (e) {
    setStatus(`Prediction failed: ${message(e)}`, 'error');
  } finally {
    predicting = false;
  }
}

/** One bar per class, named by the model's labels or by the digit. */
function buildBars(labels?: readonly string[]): void {
  const bars = $('bars');
  bars.replaceChildren();
  for (let k = 0; k < 10; k++) {
    const row = document.createElement('div');
    row.className = 'bar';
    row.innerHTML = '<span class="digit"></span><span class="track"><span class="fill"></span></span><span class="value">–</span>';
    const name = row.querySelector('.digit')!;
    name.textContent = labels?.[k] ?? String(k);
    if (labels) name.setAttribute('title', labels[k] ?? '');
    bars.append(row);
  }
}

function showProbabilities(p: Float32Array | undefined): void {
  const rows = [...$('bars').children] as HTMLElement[];
  let best = -1;
  if (p) best = p.indexOf(Math.max(...p));
  rows.forEach((row, k) => {
    const v = p?.[k] ?? 0;
    (row.querySelector('.fill') as HTMLElement).style.width = `${(100 * v).toFixed(1)}%`;
    row.querySelector('.value')!.textContent = p ? `${(100 * v).toFixed(1)}%` : '–';
    row.classList.toggle('best', k === best);
  });
  $('guess').textContent = p ? state.plan?.labels?.[best] ?? String(best) : '?';
  $('guess-note').textContent = p ? `${(100 * p[best]!).toFixed(1)}% sure` : 'Draw a digit in the box';
  $('guess').dataset.digit = p ? String(best) : '';
}

/** Steps, batch and learning rate, each checked in place: a message beside the controls and nothing starts when one is off. */
function readTrainingFields(): { steps: number; batch: number; lr: number } | undefined {
  const read = (id: string, f: NumberField) => {
    const input = $<HTMLInputElement>(id);
    const r = checkNumber(input.value, f);
    if ('message' in r) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    return r;
  };
  const results = [read('steps', STEPS), read('batch', BATCH), read('lr', LEARNING_RATE)];
  const problems = results.flatMap((r) => ('message' in r ? [r.message] : []));
  showMessage($('train-msg'), problems.length > 0 ? problems.join('; ') : undefined);
  if (problems.length > 0) return undefined;
  const [steps, batch, lr] = results.map((r) => (r as { value: number }).value) as [number, number, number];
  return { steps, batch, lr };
}

async function train(): Promise<void> {
  const model = state.model, digits = state.data;
  if (!model || !digits) return;
  const fields = readTrainingFields();
  if (!fields) return;
  const { steps, batch, lr } = fields;
  setBusy(true);
  state.stop = false;
  $('train').textContent = 'Stop';
  $('train').classList.add('stop');
  document.body.dataset.state = 'training';
  const train = digits.train;
  let tuner: Tuner | undefined;
  try {
    setStatus('Preparing the training session…');
    const notices: string[] = [];
    // A software WebGPU adapter runs the compiled step slower than the rules.
    const software = (await model.provider()) === 'webgpu' && (await webgpuAdapterInfo())?.software;
    tuner = await exclusive(() => createTuner(model, {
      loss: 'cross-entropy', optimizer: 'adam', lr, batchSize: batch, onNotice: (m) => notices.push(m),
      ...(software ? { backward: 'typescript' as const } : {}),
    }));
    state.training = tuner;
    const provider = tunerProvider(tuner);
    setStatus(`Training on ${describeProvider(provider)}…`);
    const rng = new Rng(state.seed++);
    let order = rng.permutation(train.size);
    let at = 0;
    const evalEvery = Math.max(5, Math.round(steps / 8));
    if (state.accuracy !== undefined) plot.addAccuracy(state.steps, state.accuracy);
    const started = performance.now();
    let lossAvg = NaN;
    let evaluatedAt = -1;
    for (let s = 0; s < steps && !state.stop; s++) {
      if (at + batch > train.size) { order = rng.permutation(train.size); at = 0; }
      const rows = order.subarray(at, at + batch);
      at += batch;
      const t = tuner;
      const info = await exclusive(() => t.trainStep(makeBatch(t, train, rows)));
      state.steps++;
      if (s === 0) showPath(t, provider, notices);
      lossAvg = Number.isNaN(lossAvg) ? info.loss : 0.9 * lossAvg + 0.1 * info.loss;
      plot.addLoss(state.steps, info.loss);
      const rate = ((s + 1) * batch) / ((performance.now() - started) / 1000);
      $('stat-step').textContent = `${s + 1} / ${steps}`;
      $('stat-loss').textContent = lossAvg.toFixed(3);
      $('stat-speed').textContent = `${rate.toFixed(0)} img/s`;
      if ((s + 1) % evalEvery === 0 || s + 1 === steps) {
        const r = await exclusive(() => evaluate(t, digits.test, EVAL_BATCH));
        state.accuracy = r.accuracy;
        plot.addAccuracy(state.steps, r.accuracy);
        $('stat-acc').textContent = percent(r.accuracy);
      }
      if (!pad.isEmpty && s % 5 === 4) void predictDrawing();
      await new Promise((r) => setTimeout(r, 0));
      evaluatedAt = (s + 1) % evalEvery === 0 || s + 1 === steps ? state.steps : evaluatedAt;
    }
    const t = tuner;
    // a stopped run is measured after its last step before it is reported and saved
    if (evaluatedAt !== state.steps) {
      const r = await exclusive(() => evaluate(t, digits.test, EVAL_BATCH));
      state.accuracy = r.accuracy;
      plot.addAccuracy(state.steps, r.accuracy);
      $('stat-acc').textContent = percent(r.accuracy);
    }
    const bytes = await exclusive(() => commitTuned(model, t, { source: 'edgetune demo', provider }));
    state.training = undefined;
    const saved = await saveStoredModel(STORE_KEY, bytes, { name: state.name, steps: state.steps, accuracy: state.accuracy, provider });
    $('store-note').textContent = `Saved in this browser ${ago(saved.savedAt)} (${state.steps} steps). It is restored when you come back.`;
    setStatus(`${state.stop ? 'Stopped' : 'Done'}: test accuracy ${percent(state.accuracy)} after ${state.steps} steps. Draw a digit to try it.`, 'ok');
  } catch (e) {
    // the numbers on screen described a run that failed: clear them
    for (const id of ['stat-step', 'stat-loss', 'stat-acc', 'stat-speed']) $(id).textContent = '–';
    state.accuracy = undefined;
    plot.reset();
    setStatus(`Training failed: ${message(e)}`, 'error');
  } finally {
    state.training = undefined;
    if (tuner) await tuner.dispose().catch(() => undefined);
    $('train').textContent = 'Train';
    $('train').classList.remove('stop');
    setBusy(false);
    document.body.dataset.state = 'ready';
    if (!pad.isEmpty) void predictDrawing();
  }
}

/** Say how the gradients are computed: one compiled ONNX step, or the TypeScript rules (and why). */
function showPath(tuner: Tuner, provider: string, notices: string[]): void {
  const where = describeProvider(provider).split(' · ')[0];
  const text = tuner.backwardPath === 'compiled'
    ? `Each step (forward, loss, gradients, Adam update) runs as one ONNX graph on ${where}.`
    : `Forward on ${where}; gradients from edgetune's rules in JavaScript${notices.length > 0 ? ` (${notices[0]!.replace(/^backward runs in TypeScript: /, '')})` : ''}.`;
  $('path-note').textContent = text;
  document.body.dataset.backward = tuner.backwardPath;
}

async function withBusy(what: string, f: () => Promise<void>): Promise<void> {
  setBusy(true);
  document.body.dataset.state = 'loading';
  try {
    await f();
  } catch (e) {
    setStatus(`${what} failed: ${message(e)}`, 'error');
  } finally {
    setBusy(false);
    document.body.dataset.state = 'ready';
    if (!pad.isEmpty) void predictDrawing();
  }
}

function download(): void {
  if (!state.model) return;
  const bytes = state.model.toBytes();
  const base = state.shipped ? 'lenet5' : state.name.replace(/\.onnx$/i, '').replace(/[^\w.-]+/g, '_');
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${base}-tuned.onnx`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function loadShipped(): Promise<void> {
  const bytes = await fetchBytes(SHIPPED_URL);
  await useModel(bytes, SHIPPED_NAME, true);
}

async function boot(): Promise<void> {
  buildBars();
  showProbabilities(undefined);
  plot = new TrainingPlot($<HTMLCanvasElement>('plot'));
  pad = new DrawPad($<HTMLCanvasElement>('pad'), (final) => { if (final || !predicting) void predictDrawing(); });
  showInput($<HTMLCanvasElement>('preview'), undefined);
  configureOrt();
  setBusy(true);
  setStatus('Loading the digits and the model…');

  const params = new URLSearchParams(location.search);
  const hasGpu = 'gpu' in navigator;
  state.adapter = hasGpu ? await webgpuAdapterInfo() : undefined;
  const asked = params.get('ep');
  state.wanted = PROVIDERS.includes(asked as Provider) ? (asked as Provider) : state.adapter && !state.adapter.software ? 'webgpu' : 'wasm';
  for (const r of document.querySelectorAll<HTMLInputElement>('input[name=ep]')) {
    if (r.value === 'webgpu' && !state.adapter) {
      r.dataset.unavailable = 'true';
      r.closest('label')!.title = hasGpu ? 'No WebGPU adapter in this browser' : 'This browser has no WebGPU';
    } else if (r.value === 'webgpu' && state.adapter?.software) {
      r.closest('label')!.title = 'WebGPU here runs on a software renderer, which is slower than WASM';
    }
    r.checked = r.value === state.wanted;
    r.addEventListener('change', () => {
      if (!r.checked || !state.model) return;
      state.wanted = r.value as Provider;
      const bytes = state.model.toBytes();
      void withBusy('Switching provider', async () => {
        await useModel(bytes, state.name, state.shipped);
        setStatus(`Running on ${describeProvider(await state.model!.provider())}.`, 'ok');
      });
    });
  }

  $('train').addEventListener('click', () => {
    if (state.training || (state.busy && document.body.dataset.state === 'training')) { state.stop = true; return; }
    if (!state.busy) void train();
  });
  $('clear').addEventListener('click', () => { pad.clear(); showInput($<HTMLCanvasElement>('preview'), undefined); showProbabilities(undefined); });
  $('download').addEventListener('click', download);
  $('reset').addEventListener('click', () => void withBusy('Reset', async () => {
    await deleteStoredModel(STORE_KEY);
    await loadShipped();
    state.steps = 0;
    plot.reset();
    await refreshAccuracy();
    $('store-note').textContent = 'Back to the shipped, untrained weights.';
    setStatus('Reset to the shipped model.', 'ok');
  }));
  $<HTMLInputElement>('file-input').addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    void withBusy(`Loading ${file.name}`, async () => {
      await useModel(new Uint8Array(await file.arrayBuffer()), file.name, false);
      state.steps = 0;
      plot.reset();
      await refreshAccuracy();
      $('store-note').textContent = 'Train it to keep a tuned copy in this browser.';
      setStatus(`Loaded ${file.name}.`, 'ok');
    });
  });

  try {
    const [digitBytes, stored] = await Promise.all([fetchBytes('digits.bin'), loadStoredModel(STORE_KEY).catch(() => undefined)]);
    state.digits = decodeDigits(digitBytes, 'digits.bin');
    if (state.plan) state.data = digitsFor(state.plan, state.digits);
    $('data-note').textContent = `${state.digits.train.size.toLocaleString()} real MNIST digits to train on, ${state.digits.test.size.toLocaleString()} held out for testing.`;
    let restored = false;
    if (stored) {
      try {
        const note = stored.note as { name?: string; steps?: number };
        await useModel(stored.bytes, note.name ?? SHIPPED_NAME, (note.name ?? SHIPPED_NAME) === SHIPPED_NAME);
        state.steps = note.steps ?? 0;
        $('store-note').textContent = `Restored your tuned model from this browser (saved ${ago(stored.savedAt)}, ${state.steps} steps).`;
        document.body.dataset.restored = 'true';
        restored = true;
      } catch (e) {
        $('store-note').textContent = `The model saved in this browser could not be loaded (${message(e)}); starting from the shipped one.`;
      }
    }
    if (!restored) {
      await loadShipped();
      $('store-note').textContent = 'Fine-tuned weights are kept in this browser (IndexedDB).';
    }
    if (state.adapter?.software && !asked && !$('ep-note').textContent) {
      $('ep-note').textContent = `WebGPU runs on a software renderer (${state.adapter.architecture || state.adapter.description || 'fallback adapter'}) in this browser, so WASM is the default.`;
    }
    await refreshAccuracy();
    setStatus(`Ready on ${describeProvider(await state.model!.provider())}. Press Train to fine-tune${restored ? ' further' : ''}.`, 'ok');
  } catch (e) {
    setStatus(`Could not start: ${message(e)}`, 'error');
    document.body.dataset.state = 'error';
    return;
  } finally {
    setBusy(false);
  }
  document.body.dataset.state = 'ready';
}

if (personaliseMode()) void bootPersonalise();
else void boot();
