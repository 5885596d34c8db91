/**
 * The demo page's personalisation mode (./?mode=personalise, or
 * /personalise from `edgetune demo`): take any image classifier .onnx (the
 * shipped LeNet-5 or a file), name a few classes, give each pictures from
 * files or webcam snapshots, train a new head on the device (the frozen
 * backbone's features cached in memory), see each class's accuracy on
 * held-out pictures, try the result on the camera or an image, and download
 * the .onnx with the class names and preprocessing inside.
 *
 * Every control checks its input where it is typed and a failed check starts
 * nothing; a failure clears the numbers shown; Stop measures the head after
 * its last step before it reports and writes the model.
 */
import {
  chooseDefaultProviders, classifierPlan, configureOrt, fetchBytes, loadModel, OnnxModel, ort, replaceHead, webBackend,
  type ClassifierPlan, type ClassifyResult, type GpuAdapterDescription, type WebModel,
} from './index.js';
import { $, countWeights, exclusive, message, percent, setStatus } from './demo-format.js';
import { TrainingPlot } from './demo-plot.js';
import { Camera, cameraError, filePixels, paint, pngUrl } from './personalise-camera.js';
import { BATCH, checkClasses, checkName, checkNumber, LEARNING_RATE, MAX_CLASSES, MAX_NAME, showMessage, STEPS, type NumberField } from './personalise-form.js';
import { HeadTraining, HOLD_OUT_MIN, holdOut, imageDataset, type LabelledImage } from './personalise-train.js';
import { buildBars, renderResults, showBars } from './personalise-view.js';

const SHIPPED_URL = 'models/lenet5.onnx';
const SHIPPED_NAME = 'LeNet-5 (shipped)';
const LIVE_EVERY_MS = 200;
const TAGLINE = 'Teach an image classifier your own classes inside this tab: name them, add pictures or webcam snapshots, train a new head on ONNX Runtime Web, try it live, and download the .onnx. Nothing leaves your machine.';

/** Whether the page was opened in personalisation mode. */
export function personaliseMode(): boolean {
  return new URLSearchParams(location.search).get('mode') === 'personalise' || /\/personalise\/?$/.test(location.pathname);
}

interface Example {
  image: ImageData;
  url: string;
  source: 'file' | 'camera';
  /** held out for testing by the last training */
  heldOut: boolean;
}

interface ClassEntry {
  name: string;
  examples: Example[];
  card: HTMLElement;
}

interface Base {
  bytes: Uint8Array;
  name: string;
  shipped: boolean;
  plan: ClassifierPlan;
}

interface Result {
  bytes: Uint8Array;
  model: WebModel;
  names: string[];
}

const state = {
  base: undefined as Base | undefined,
  /** providers to try for a model; the base model's session settles on `provider` */
  providers: ['wasm'] as string[],
  provider: 'wasm',
  adapter: undefined as GpuAdapterDescription | undefined,
  classes: [] as ClassEntry[],
  loading: false,
  training: false,
  stop: false,
  /** a Train press failed its checks: re-check the classes as they change */
  checked: false,
  result: undefined as Result | undefined,
  live: false,
};

let plot: TrainingPlot;
let camera: Camera;


function describeProvider(p: string): string {
  if (p === 'webgpu') return `WebGPU${state.adapter ? ` · ${state.adapter.name}` : ''}`;
  if (p === 'webgl') return 'WebGL';
  const threads = ort.env.wasm.numThreads ?? 1;
  return `WASM · ${threads} thread${threads === 1 ? '' : 's'}`;
}

/** Enable what may be used now: nothing while a model loads; only Stop while training. */
function refreshControls(): void {
  const busy = state.loading || state.training;
  const set = (id: string, disabled: boolean) => { ($(id) as HTMLButtonElement | HTMLInputElement).disabled = disabled; };
  for (const id of ['p-shipped', 'p-model-file', 'p-add-class', 'p-steps', 'p-batch', 'p-lr']) set(id, busy);
  $('p-model-label').classList.toggle('disabled', busy);
  set('p-train', state.loading || !state.base);
  $('p-train').textContent = state.training ? 'Stop' : 'Train';
  $('p-train').classList.toggle('stop', state.training);
  set('p-camera', state.loading);
  $('p-camera').textContent = camera.on ? 'Stop camera' : 'Start camera';
  $('p-camera-off').hidden = camera.on;
  const noResult = busy || !state.result;
  set('p-download', noResult);
  set('p-try-file', noResult);
  $('p-try-label').classList.toggle('disabled', noResult);
  set('p-live', noResult || !camera.on);
  $('p-live').textContent = state.live ? 'Stop live' : 'Classify the camera live';
  state.classes.forEach((c) => {
    for (const el of c.card.querySelectorAll<HTMLInputElement | HTMLButtonElement>('input, button')) el.disabled = busy || (el.classList.contains('snap') && !camera.on);
    c.card.querySelector('.snap')!.setAttribute('title', camera.on ? 'Take a picture from the camera' : 'Start the camera first');
    c.card.querySelector('.add-files')!.classList.toggle('disabled', busy);
  });
}

// ---- the numbers shown

function resetStats(): void {
  for (const id of ['p-stat-step', 'p-stat-loss', 'p-stat-acc', 'p-stat-speed']) $(id).textContent = '–';
  plot.reset();
  $('p-path-note').textContent = '';
  $('p-results').innerHTML = '<p class="muted small">Per-class accuracy appears here after training.</p>';
}

/** Forget the trained model: no live view, no download, an empty guess. */
function dropResult(): void {
  stopLive();
  const old = state.result;
  state.result = undefined;
  if (old) void exclusive(() => old.model.dispose());
  $('p-guess').textContent = '?';
  delete $('p-guess').dataset.label;
  $('p-guess-note').textContent = 'Train first, then point the camera or choose an image';
  $('p-bars').replaceChildren();
  showMessage($('p-try-msg'), undefined);
  document.body.dataset.trained = 'false';
}

// ---- the model

function fileBase(base: Base): string {
  return base.shipped ? 'lenet5' : base.name.replace(/\.onnx$/i, '').replace(/[^\w.-]+/g, '_') || 'model';
}

/** Make `bytes` the model a new head is trained on; its checks fail with a message beside the model controls. */
async function useBase(bytes: Uint8Array, name: string, shipped: boolean): Promise<void> {
  dropResult();
  resetStats();
  showMessage($('p-model-msg'), undefined, $('p-model-label'));
  try {
    const onnx = OnnxModel.fromBytes(bytes, name);
    const plan = classifierPlan(onnx);
    const head = replaceHead(OnnxModel.fromBytes(bytes, name), { classes: 2 });
    const model = await loadModel(bytes, { providers: state.providers, label: name, onNotice: () => undefined });
    try {
      state.provider = await exclusive(() => model.provider());
    } finally {
      await exclusive(() => model.dispose());
    }
    state.base = { bytes, name, shipped, plan };
    const p = plan.preprocess;
    const input = onnx.inputs[0]!;
    $('p-model-name').textContent = name;
    $('p-model-meta').textContent = `input '${input.name}' [${input.dims?.join(',') ?? '?'}] · ${p.channels} ${p.size[1]}×${p.size[0]}${plan.stored ? ' (stored preprocessing)' : ''} · ${countWeights(onnx).toLocaleString()} weights`;
    $('p-head-meta').textContent = `New head in place of ${head.replaced.split(':')[0]} (${head.previousClasses} classes): one output per class of yours; the layers before it stay frozen.`;
    $('runtime-pill').textContent = describeProvider(state.provider);
    $('runtime-pill').dataset.provider = state.provider;
    document.body.dataset.provider = state.provider;
  } catch (e) {
    const why = message(e);
    showMessage($('p-model-msg'), `${name} cannot be personalised here: ${why.startsWith(`${name}: `) ? why.slice(name.length + 2) : why}`, $('p-model-label'));
    throw e;
  }
}

async function loading(what: string, f: () => Promise<void>): Promise<void> {
  state.loading = true;
  document.body.dataset.state = 'loading';
  refreshControls();
  try {
    await f();
  } catch (e) {
    setStatus(`${what} failed: ${message(e)}`, 'error');
  } finally {
    state.loading = false;
    document.body.dataset.state = 'ready';
    refreshControls();
  }
}

// ---- classes and pictures

function unusedName(): string {
  for (let k = state.classes.length + 1; ; k++) {
    const n = `Class ${k}`;
    if (!state.classes.some((c) => c.name.trim().toLowerCase() === n.toLowerCase())) return n;
  }
}

function cardHtml(): string {
  return `<div class="class-head">
      <input type="text" class="class-name" aria-label="Class name" maxlength="${MAX_NAME + 20}">
      <span class="count muted small"></span>
      <button type="button" class="icon remove" title="Remove this class" aria-label="Remove this class">×</button>
    </div>
    <p class="field-msg class-msg" role="alert" hidden></p>
    <div class="thumbs"></div>
    <div class="class-actions">
      <label class="button secondary small add-files">Add images…<input type="file" class="class-files" accept="image/*" multiple hidden></label>
      <button type="button" class="secondary small snap">Snapshot</button>
    </div>`;
}

function addClass(): void {
  if (state.classes.length >= MAX_CLASSES) {
    showMessage($('p-classes-msg'), `At most ${MAX_CLASSES} classes`);
    return;
  }
  const card = document.createElement('div');
  card.className = 'class-card';
  card.innerHTML = cardHtml();
  const entry: ClassEntry = { name: unusedName(), examples: [], card };
  const name = card.querySelector<HTMLInputElement>('.class-name')!;
  name.value = entry.name;
  name.addEventListener('input', () => { entry.name = name.value; checkClassesInPlace(); });
  card.querySelector('.remove')!.addEventListener('click', () => {
    state.classes.splice(state.classes.indexOf(entry), 1);
    card.remove();
    checkClassesInPlace();
  });
  card.querySelector<HTMLInputElement>('.class-files')!.addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = '';
    void addFiles(entry, files);
  });
  card.querySelector('.snap')!.addEventListener('click', () => snapshot(entry));
  state.classes.push(entry);
  $('p-classes').append(card);
  renderThumbs(entry);
  checkClassesInPlace();
  refreshControls();
}

function renderThumbs(c: ClassEntry): void {
  const thumbs = c.card.querySelector('.thumbs')!;
  thumbs.replaceChildren(...c.examples.map((ex) => {
    const img = document.createElement('img');
    img.className = 'thumb';
    img.src = ex.url;
    img.alt = '';
    img.dataset.source = ex.source;
    img.dataset.heldOut = String(ex.heldOut);
    img.title = `${ex.source === 'camera' ? 'Snapshot' : 'Image file'}${ex.heldOut ? ', held out for testing by the last training' : ''}; click to remove`;
    img.addEventListener('click', () => {
      if (state.loading || state.training) return;
      c.examples.splice(c.examples.indexOf(ex), 1);
      renderThumbs(c);
      checkClassesInPlace();
    });
    return img;
  }));
  const n = c.examples.length;
  c.card.querySelector('.count')!.textContent = `${n} image${n === 1 ? '' : 's'}`;
}

function addExample(c: ClassEntry, image: ImageData, source: Example['source']): void {
  c.examples.push({ image, url: pngUrl(image), source, heldOut: false });
}

async function addFiles(c: ClassEntry, files: File[]): Promise<void> {
  const refused: string[] = [];
  for (const f of files) {
    try {
      addExample(c, await filePixels(f), 'file');
    } catch (e) {
      refused.push(message(e));
    }
  }
  renderThumbs(c);
  checkClassesInPlace();
  if (refused.length > 0) showMessage(c.card.querySelector('.class-msg')!, refused.join('; '));
}

function snapshot(c: ClassEntry): void {
  try {
    addExample(c, camera.frame(), 'camera');
    renderThumbs(c);
    checkClassesInPlace();
  } catch (e) {
    showMessage(c.card.querySelector('.class-msg')!, message(e));
  }
}

/**
 * Show each class's problem beside it: names always (empty, too long, taken),
 * missing images and the class count once a Train press has failed on them.
 */
function checkClassesInPlace(all = state.checked): boolean {
  const check = checkClasses(state.classes.map((c) => ({ name: c.name, images: c.examples.length })));
  let ok = check.list === undefined;
  state.classes.forEach((c, k) => {
    const problem = check.perClass[k];
    const nameProblem = checkName(c.name, state.classes.slice(0, k).map((e) => e.name));
    const shown = all ? problem : nameProblem;
    const name = c.card.querySelector<HTMLElement>('.class-name')!, files = c.card.querySelector<HTMLElement>('.add-files')!;
    showMessage(c.card.querySelector('.class-msg')!, shown, shown === undefined || shown === nameProblem ? name : files);
    if (shown === undefined || shown === nameProblem) files.removeAttribute('aria-invalid');
    else name.removeAttribute('aria-invalid');
    if (problem !== undefined) ok = false;
  });
  showMessage($('p-classes-msg'), all ? check.list : undefined, $('p-add-class'));
  return ok;
}

function checkField(id: string, f: NumberField): number | undefined {
  const input = $<HTMLInputElement>(id);
  const r = checkNumber(input.value, f);
  showMessage($(`${id}-msg`), 'message' in r ? r.message : undefined, input);
  return 'value' in r ? r.value : undefined;
}

// ---- training

function showPath(ht: HeadTraining): void {
  const where = describeProvider(state.provider).split(' · ')[0];
  const c = ht.cache;
  $('p-path-note').textContent = c
    ? `The frozen layers (${c.counts.prefix} nodes) ran once per picture in ${c.seconds.toFixed(1)} s; each step trains only the new head (${c.counts.suffix} node${c.counts.suffix === 1 ? '' : 's'}) on their stored features, on ${where}.`
    : `Each step runs the whole model on ${where} and updates only the new head${ht.uncachedReason ? ` (features not cached: ${ht.uncachedReason})` : ''}.`;
  document.body.dataset.cached = String(c !== undefined);
}

function showStep(s: number, steps: number, lossAvg: number, rate: number): void {
  $('p-stat-step').textContent = `${s} / ${steps}`;
  $('p-stat-loss').textContent = lossAvg.toFixed(3);
  $('p-stat-speed').textContent = `${rate.toFixed(0)} img/s`;
}

async function train(): Promise<void> {
  const base = state.base;
  if (!base || state.loading || state.training) return;
  const steps = checkField('p-steps', STEPS);
  const batch = checkField('p-batch', BATCH);
  const lr = checkField('p-lr', LEARNING_RATE);
  state.checked = true;
  const classesOk = checkClassesInPlace();
  if (steps === undefined || batch === undefined || lr === undefined || !classesOk) {
    setStatus('Nothing started: fix the marked fields first.', 'error');
    return;
  }
  state.checked = false;
  state.training = true;
  state.stop = false;
  dropResult();
  resetStats();
  document.body.dataset.state = 'training';
  refreshControls();
  const names = state.classes.map((c) => c.name.trim());
  const held = holdOut(state.classes.map((c) => c.examples.length), 1);
  const trainImages: LabelledImage[] = [], testImages: LabelledImage[] = [];
  state.classes.forEach((c, k) => {
    c.examples.forEach((ex, i) => {
      ex.heldOut = held[k]![i]!;
      (ex.heldOut ? testImages : trainImages).push({ label: k, image: ex.image });
    });
    renderThumbs(c);
  });
  const heldOut = testImages.length > 0;
  plot.accuracyLabel = heldOut ? 'held-out accuracy' : 'training accuracy';
  let ht: HeadTraining | undefined;
  try {
    const trainSet = imageDataset('your pictures', base.plan, trainImages, names);
    const testSet = heldOut ? imageDataset('held-out pictures', base.plan, testImages, names) : trainSet;
    setStatus(`Running the frozen layers over ${trainImages.length + testImages.length} pictures…`);
    const software = state.provider === 'webgpu' && state.adapter?.software === true;
    ht = await exclusive(() => HeadTraining.create(OnnxModel.fromBytes(base.bytes, base.name), names, trainSet, testSet, {
      backend: webBackend, providers: [state.provider], lr, batchSize: batch, seed: 1,
      // a software WebGPU adapter runs the compiled step slower than the rules
      ...(software ? { backward: 'typescript' as const } : {}),
      onCacheProgress: (done, total) => setStatus(`Running the frozen layers over the pictures: ${done} / ${total}…`),
    }));
    const h = ht;
    showPath(h);
    setStatus(`Training the new head on ${describeProvider(state.provider)}…`);
    const evalEvery = Math.max(5, Math.round(steps / 8));
    const started = performance.now();
    let lossAvg = NaN;
    for (let s = 0; s < steps && !state.stop; s++) {
      const info = await exclusive(() => h.step());
      lossAvg = Number.isNaN(lossAvg) ? info.loss : 0.9 * lossAvg + 0.1 * info.loss;
      plot.addLoss(s + 1, info.loss);
      showStep(s + 1, steps, lossAvg, ((s + 1) * h.batchSize) / Math.max(1e-3, (performance.now() - started) / 1000));
      if ((s + 1) % evalEvery === 0 && s + 1 < steps) {
        const r = await exclusive(() => h.evaluate());
        plot.addAccuracy(s + 1, r.accuracy);
        $('p-stat-acc').textContent = percent(r.accuracy);
      }
      await new Promise((r) => setTimeout(r, 0));
    }
    // measured on the weights of the last step, before anything is reported or written
    setStatus('Measuring the trained head…');
    const conf = await exclusive(() => h.confusion());
    plot.addAccuracy(h.steps, conf.accuracy);
    $('p-stat-acc').textContent = percent(conf.accuracy);
    const measured = heldOut ? `${testImages.length} held-out picture${testImages.length === 1 ? '' : 's'}` : `the ${trainImages.length} training pictures`;
    renderResults($('p-results'), conf, names, `After step ${h.steps}, on ${measured}${heldOut ? '' : ` (none held out: that needs ${HOLD_OUT_MIN}+ per class)`}`);
    const bytes = await exclusive(() => h.finish(base.plan.preprocess, { source: 'edgetune personalise', base: base.name, pictures: trainImages.length }));
    const model = await loadModel(bytes, { providers: [state.provider], label: `${fileBase(base)}-personalised.onnx` });
    await exclusive(() => model.provider());
    state.result = { bytes, model, names };
    buildBars($('p-bars'), names);
    document.body.dataset.trained = 'true';
    const acc = `${heldOut ? 'held-out accuracy' : 'accuracy on the training pictures'} ${percent(conf.accuracy)}`;
    setStatus(`${state.stop ? 'Stopped' : 'Done'} after ${h.steps} step${h.steps === 1 ? '' : 's'}: ${acc}. Try it live, or download it.`, 'ok');
  } catch (e) {
    resetStats();
    dropResult();
    setStatus(`Training failed: ${message(e)}`, 'error');
  } finally {
    const h = ht;
    if (h) await exclusive(() => h.dispose()).catch(() => undefined);
    state.training = false;
    document.body.dataset.state = 'ready';
    refreshControls();
  }
}

// ---- trying it

function showPrediction(r: ClassifyResult): void {
  $('p-guess').textContent = String(r.label);
  $('p-guess').dataset.label = String(r.label);
  $('p-guess-note').textContent = `${(100 * r.probability).toFixed(1)}% sure`;
  showBars($('p-bars'), r.probabilities);
}

async function classify(image: ImageData): Promise<void> {
  const result = state.result;
  if (!result) return;
  paint($<HTMLCanvasElement>('p-try-view'), image);
  showPrediction(await exclusive(() => result.model.classify(image)));
}

function stopLive(): void {
  state.live = false;
  document.body.dataset.live = 'false';
}

async function live(): Promise<void> {
  state.live = true;
  document.body.dataset.live = 'true';
  refreshControls();
  showMessage($('p-try-msg'), undefined);
  try {
    while (state.live && state.result && camera.on) {
      await classify(camera.frame());
      await new Promise((r) => setTimeout(r, LIVE_EVERY_MS));
    }
  } catch (e) {
    showMessage($('p-try-msg'), `Live classification stopped: ${message(e)}`);
  } finally {
    stopLive();
    refreshControls();
  }
}

function download(): void {
  const r = state.result, base = state.base;
  if (!r || !base) return;
  const url = URL.createObjectURL(new Blob([r.bytes as BlobPart], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${fileBase(base)}-personalised.onnx`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---- start

function wire(): void {
  $('p-add-class').addEventListener('click', addClass);
  $('p-train').addEventListener('click', () => {
    if (state.training) state.stop = true;
    else void train();
  });
  for (const [id, f] of [['p-steps', STEPS], ['p-batch', BATCH], ['p-lr', LEARNING_RATE]] as const) $(id).addEventListener('input', () => checkField(id, f));
  $('p-shipped').addEventListener('click', () => void loading('Loading LeNet-5', async () => {
    await useBase(await fetchBytes(SHIPPED_URL), SHIPPED_NAME, true);
    setStatus('Using the shipped LeNet-5.', 'ok');
  }));
  $<HTMLInputElement>('p-model-file').addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    void loading(`Loading ${file.name}`, async () => {
      await useBase(new Uint8Array(await file.arrayBuffer()), file.name, false);
      setStatus(`Loaded ${file.name}. Train to give it your classes.`, 'ok');
    });
  });
  $('p-camera').addEventListener('click', () => {
    if (camera.on) {
      camera.stop();
      stopLive();
      refreshControls();
      return;
    }
    showMessage($('p-camera-msg'), undefined);
    camera.start().then(
      () => refreshControls(),
      (e) => { showMessage($('p-camera-msg'), cameraError(e)); refreshControls(); },
    );
  });
  $('p-live').addEventListener('click', () => {
    if (state.live) stopLive();
    else void live();
  });
  $<HTMLInputElement>('p-try-file').addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    stopLive();
    showMessage($('p-try-msg'), undefined);
    filePixels(file).then(classify).catch((err: unknown) => showMessage($('p-try-msg'), message(err)));
  });
  $('p-download').addEventListener('click', download);
}

/** Show the personalisation mode instead of the digits and start it. */
export async function bootPersonalise(): Promise<void> {
  document.body.dataset.mode = 'personalise';
  $('digits-mode').hidden = true;
  $('personalise-mode').hidden = false;
  $('mode-digits').removeAttribute('aria-current');
  $('mode-personalise').setAttribute('aria-current', 'page');
  $('tagline').textContent = TAGLINE;
  document.title = 'edgetune · personalise an image classifier in your browser';
  configureOrt();
  plot = new TrainingPlot($<HTMLCanvasElement>('p-plot'));
  plot.accuracyLabel = 'held-out accuracy';
  camera = new Camera($<HTMLVideoElement>('p-video'));
  wire();
  addClass();
  addClass();
  state.loading = true;
  refreshControls();
  setStatus('Loading the model…');
  try {
    const asked = new URLSearchParams(location.search).get('ep');
    if (asked === 'webgpu' || asked === 'wasm') {
      state.providers = [asked];
      if (asked === 'webgpu') state.adapter = (await chooseDefaultProviders()).adapter;
    } else {
      const choice = await chooseDefaultProviders();
      state.providers = choice.providers;
      state.adapter = choice.adapter;
      if (choice.adapter?.software) {
        $('p-ep-note').textContent = `WebGPU runs on a software adapter (${choice.adapter.name}) in this browser, slower than WASM, so WASM is used.`;
        $('p-ep-note').dataset.kind = 'warn';
      }
    }
    await useBase(await fetchBytes(SHIPPED_URL), SHIPPED_NAME, true);
    setStatus(`Ready on ${describeProvider(state.provider)}. Name your classes, add pictures, then train.`, 'ok');
  } catch (e) {
    setStatus(`Could not start: ${message(e)}`, 'error');
    document.body.dataset.state = 'error';
    return;
  } finally {
    state.loading = false;
    refreshControls();
  }
  document.body.dataset.state = 'ready';
}
