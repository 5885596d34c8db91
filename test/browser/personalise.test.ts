/**
 * The personalisation page end to end in real Chromium with a fake webcam:
 * ResNet-18 (a 3×32×32 RGB classifier) picked as a file, three named
 * classes (two from PNG files, one from camera snapshots), a new head
 * trained on cached features, per-class results, the camera and an image
 * classified live, and the downloaded .onnx reloaded in Node: its labels,
 * its preprocessing, its predictions, and the page's held-out accuracy
 * measured again on the held-out pictures. Screenshot:
 * test-artifacts/personalise.png (and docs/personalise.png when
 * EDGETUNE_DOCS_SCREENSHOTS=1).
 */
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLabels, readPreprocess } from '../../src/model-metadata.js';
import { Model } from '../../src/node/model.js';
import { loadModelFile } from '../../src/node/model-file.js';
import { ARTIFACTS, browserSupport, noteSkip, ROOT, type BrowserSession } from './helpers.js';
import { addPictures, heldOutPictures, openWithCamera, picture, pngFiles, settled, trained, type Rgb } from './personalise-helpers.js';

const support = browserSupport();
if (!support.run) await noteSkip(support.reason);

const RESNET = path.join(ROOT, 'test/fixtures/torch/resnet18-opset13.onnx');
const RED: Rgb = [205, 45, 40];
const BLUE: Rgb = [40, 60, 210];
const CAMERA: Rgb = [40, 185, 70];
const NAMES = ['red', 'blue', 'webcam'];

describe.skipIf(!support.run)('the personalisation page', () => {
  let s: BrowserSession;

  beforeAll(async () => {
    s = await openWithCamera(CAMERA);
  });

  afterAll(async () => {
    await s?.close();
  });

  it('trains three named classes from files and camera snapshots, predicts live, and downloads a labelled model', async () => {
    const { page } = s;
    await page.goto(`${s.server.url}personalise`);
    const ready = await settled(page);
    expect(ready, s.logs.join('\n')).toMatch(/^Ready on /);
    expect(await page.evaluate(() => document.body.dataset.mode)).toBe('personalise');
    expect(await page.isVisible('#digits-mode')).toBe(false);

    // a software WebGPU adapter is passed over for WASM, and the page says so
    const adapter = await page.evaluate(async () => {
      const a = await (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: { architecture?: string; isFallbackAdapter?: boolean } } | null> } }).gpu?.requestAdapter();
      return a ? { architecture: a.info?.architecture ?? '', fallback: a.info?.isFallbackAdapter === true } : undefined;
    });
    if (adapter && (adapter.fallback || /swiftshader|llvmpipe|software/i.test(adapter.architecture))) {
      expect(ready).toMatch(/^Ready on WASM/);
      expect(await page.textContent('#p-ep-note')).toMatch(/^WebGPU runs on a software adapter \(.+\) in this browser, slower than WASM, so WASM is used\.$/);
    }

    await page.setInputFiles('#p-model-file', { name: 'resnet18.onnx', mimeType: 'application/octet-stream', buffer: readFileSync(RESNET) });
    expect(await settled(page), s.logs.join('\n')).toBe('Loaded resnet18.onnx. Train to give it your classes.');
    expect(await page.textContent('#p-model-meta')).toMatch(/\[batch,3,32,32\] · RGB 32×32/);
    expect(await page.textContent('#p-head-meta')).toMatch(/^New head in place of Gemm '.+' \(10 classes\)/);

    await page.click('#p-add-class');
    const cards = page.locator('.class-card');
    expect(await cards.count()).toBe(3);
    for (let k = 0; k < 3; k++) await cards.nth(k).locator('.class-name').fill(NAMES[k]!);
    await addPictures(cards.nth(0), pngFiles('red', RED, 5, 10));
    await addPictures(cards.nth(1), pngFiles('blue', BLUE, 5, 20));

    await page.click('#p-camera');
    await page.waitForFunction(() => document.getElementById('p-camera')?.textContent === 'Stop camera', null, { timeout: 20_000 });
    const snap = cards.nth(2).locator('.snap');
    for (let i = 0; i < 5; i++) {
      await snap.click();
      await page.waitForTimeout(120);
    }
    expect(await cards.evaluateAll((els) => els.map((e) => e.querySelector('.count')?.textContent))).toEqual(['5 images', '5 images', '5 images']);
    expect(await cards.nth(2).locator('img.thumb[data-source="camera"]').count()).toBe(5);

    await page.fill('#p-steps', '60');
    await page.fill('#p-batch', '8');
    await page.fill('#p-lr', '0.01');
    await page.click('#p-train');
    const done = await trained(page);
    expect(done, s.logs.join('\n')).toMatch(/^Done after 60 steps: held-out accuracy [\d.]+%\. Try it live, or download it\.$/);
    expect(await page.textContent('#p-stat-step')).toBe('60 / 60');
    expect(await page.evaluate(() => document.body.dataset.cached)).toBe('true');
    expect(await page.textContent('#p-path-note')).toMatch(/^The frozen layers \(\d+ nodes\) ran once per picture/);
    expect(await page.locator('img.thumb[data-held-out="true"]').count()).toBe(3);
    const rows = await page.$$eval('table.confusion tbody tr', (trs) => trs.map((tr) => ({
      name: (tr as HTMLElement).dataset.class, acc: tr.querySelector('.acc')?.textContent, images: tr.querySelector('.rows')?.textContent,
    })));
    expect(rows.map((r) => r.name)).toEqual(NAMES);
    expect(rows.map((r) => r.images)).toEqual(['1', '1', '1']);
    const pageAccuracy = Number.parseFloat(/held-out accuracy ([\d.]+)%/.exec(done)![1]!) / 100;
    expect(await page.textContent('#p-stat-acc')).toBe(`${(100 * pageAccuracy).toFixed(1)}%`);

    // try it: the camera shows the third class, a red picture is red
    await page.click('#p-live');
    await page.waitForFunction(() => document.getElementById('p-guess')?.dataset.label === 'webcam', null, { timeout: 20_000 });
    expect(await page.textContent('#p-guess-note')).toMatch(/^[\d.]+% sure$/);
    const bars = await page.$$eval('#p-bars .value', (els) => els.map((e) => Number.parseFloat(e.textContent ?? '')));
    expect(bars).toHaveLength(3);
    expect(bars.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);
    await page.click('#p-live');
    await page.waitForFunction(() => document.body.dataset.live === 'false');
    await page.setInputFiles('#p-try-file', { name: 'another-red.png', mimeType: 'image/png', buffer: picture(RED, 99) });
    await page.waitForFunction(() => document.getElementById('p-guess')?.dataset.label === 'red', null, { timeout: 20_000 });

    await fs.mkdir(ARTIFACTS, { recursive: true });
    const shot = await page.screenshot({ path: path.join(ARTIFACTS, 'personalise.png'), fullPage: true });
    if (process.env.EDGETUNE_DOCS_SCREENSHOTS === '1') await fs.writeFile(path.join(ROOT, 'docs/personalise.png'), shot);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#p-download')]);
    expect(download.suggestedFilename()).toBe('resnet18-personalised.onnx');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'edgetune-personalised-'));
    try {
      const file = path.join(dir, download.suggestedFilename());
      await download.saveAs(file);
      const onnx = await loadModelFile(file);
      expect(readLabels(onnx)).toEqual(NAMES);
      expect(readPreprocess(onnx)).toEqual({ size: [32, 32], layout: 'NCHW', channels: 'RGB', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch' });
      expect(onnx.outputs[0]!.dims?.[1]).toBe(3);
      const model = new Model(onnx);
      try {
        expect((await model.classify(new Uint8Array(picture(RED, 98)))).label).toBe('red');
        expect((await model.classify(new Uint8Array(picture(BLUE, 97)))).label).toBe('blue');
        // the page's held-out accuracy is the downloaded model's on the held-out pictures
        const held = await heldOutPictures(page);
        expect(held.map((h) => h.name)).toEqual(NAMES);
        let correct = 0;
        for (const h of held) if ((await model.classify(new Uint8Array(h.png))).label === h.name) correct++;
        expect(correct / held.length).toBeCloseTo(pageAccuracy, 6);
      } finally {
        await model.dispose();
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
