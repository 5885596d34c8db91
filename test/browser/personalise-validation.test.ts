/**
 * The personalisation page's checks and edges in real Chromium: every bad
 * input (numbers out of range, fewer than 2 classes, a class without
 * pictures, an unnamed or repeated class, a file that is no image, a model
 * that is no image classifier or has no head to replace) is answered beside
 * its control and starts nothing; Stop measures the head after its last
 * step before it reports and writes the model (Node measures the download
 * again); a failure clears the numbers shown. And the library's default
 * providers pass over a software WebGPU adapter while an explicit 'webgpu'
 * still gets it. Screenshot of the messages: test-artifacts/personalise-checks.png
 * (and docs/personalise-checks.png when EDGETUNE_DOCS_SCREENSHOTS=1).
 */
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Model } from '../../src/node/model.js';
import { ARTIFACTS, browserSupport, noteSkip, openHarness, ROOT, type BrowserSession } from './helpers.js';
import { addPictures, heldOutPictures, openWithCamera, pngFiles, settled, trained, type Rgb } from './personalise-helpers.js';

const support = browserSupport();
if (!support.run) await noteSkip(support.reason);

const fixture = (f: string) => ({ name: f, mimeType: 'application/octet-stream', buffer: readFileSync(path.join(ROOT, 'test/fixtures/torch', f)) });

async function messageOf(page: Page, id: string): Promise<string | undefined> {
  const el = page.locator(`#${id}`);
  return (await el.isVisible()) ? ((await el.textContent()) ?? '') : undefined;
}

async function cardMessages(page: Page): Promise<(string | undefined)[]> {
  return page.$$eval('.class-card .class-msg', (els) => els.map((e) => ((e as HTMLElement).hidden ? undefined : e.textContent ?? '')));
}

describe.skipIf(!support.run)('the personalisation page, checks and edges', () => {
  let s: BrowserSession;

  beforeAll(async () => {
    s = await openWithCamera([120, 120, 120]);
  });

  afterAll(async () => {
    await s?.close();
  });

  it('answers every bad input beside its control and starts nothing', async () => {
    const { page } = s;
    await page.goto(`${s.server.url}?mode=personalise`);
    expect(await settled(page), s.logs.join('\n')).toMatch(/^Ready on /);
    expect(await page.textContent('#p-model-name')).toBe('LeNet-5 (shipped)');

    await page.fill('#p-steps', '0');
    expect(await messageOf(page, 'p-steps-msg')).toBe('Steps must be a whole number from 1 to 5000');
    expect(await page.getAttribute('#p-steps', 'aria-invalid')).toBe('true');
    await page.fill('#p-lr', '5');
    expect(await messageOf(page, 'p-lr-msg')).toBe('Learning rate must be a number from 0.000001 to 1');
    await page.fill('#p-batch', '2.5');
    expect(await messageOf(page, 'p-batch-msg')).toBe('Batch must be a whole number from 1 to 256');

    await page.click('#p-train');
    expect(await page.textContent('#status')).toBe('Nothing started: fix the marked fields first.');
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('ready');
    expect(await page.textContent('#p-stat-step')).toBe('–');
    expect(await cardMessages(page)).toEqual(['Add at least one image to this class', 'Add at least one image to this class']);
    await fs.mkdir(ARTIFACTS, { recursive: true });
    const bottom = await page.evaluate(() => document.querySelector('.p-train .plot')!.getBoundingClientRect().top + window.scrollY);
    const shot = await page.screenshot({ path: path.join(ARTIFACTS, 'personalise-checks.png'), fullPage: true, clip: { x: 0, y: 0, width: 1280, height: bottom - 4 } });
    if (process.env.EDGETUNE_DOCS_SCREENSHOTS === '1') await fs.writeFile(path.join(ROOT, 'docs/personalise-checks.png'), shot);

    await page.fill('#p-steps', '20');
    await page.fill('#p-lr', '0.05');
    await page.fill('#p-batch', '4');
    for (const id of ['p-steps-msg', 'p-lr-msg', 'p-batch-msg']) expect(await messageOf(page, id)).toBeUndefined();
    expect(await page.getAttribute('#p-steps', 'aria-invalid')).toBeNull();
    expect(await page.locator('.class-card .add-files[aria-invalid="true"]').count()).toBe(2);
    expect(await page.locator('.class-card .class-name[aria-invalid="true"]').count()).toBe(0);

    const cards = page.locator('.class-card');
    await cards.nth(0).locator('.remove').click();
    expect(await messageOf(page, 'p-classes-msg')).toBe('Add at least 2 classes to train (there is 1)');
    await page.click('#p-add-class');
    expect(await messageOf(page, 'p-classes-msg')).toBeUndefined();
    const first = await cards.nth(0).locator('.class-name').inputValue();
    await cards.nth(1).locator('.class-name').fill(` ${first.toUpperCase()} `);
    expect((await cardMessages(page))[1]).toBe(`Another class is already called '${first.toUpperCase()}'`);
    await cards.nth(1).locator('.class-name').fill('');
    expect((await cardMessages(page))[1]).toBe('Give this class a name');
    await cards.nth(1).locator('.class-name').fill('bright');
    await cards.nth(1).locator('.class-files').setInputFiles([
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') },
      ...pngFiles('bright', [220, 220, 220], 1, 1),
    ]);
    await page.waitForFunction(() => document.querySelectorAll('.class-card')[1]?.querySelector('.count')?.textContent === '1 image');
    expect((await cardMessages(page))[1]).toBe('notes.txt is not an image this browser can read');
    await page.click('#p-train');
    expect(await page.textContent('#status')).toBe('Nothing started: fix the marked fields first.');
    expect(await cardMessages(page)).toEqual(['Add at least one image to this class', undefined]);
    expect(await page.textContent('#p-stat-step')).toBe('–');

    await page.setInputFiles('#p-model-file', { name: 'junk.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('no model here') });
    expect(await settled(page)).toMatch(/^Loading junk\.onnx failed: /);
    expect(await messageOf(page, 'p-model-msg')).toMatch(/^junk\.onnx cannot be personalised here: /);
    expect(await page.textContent('#p-model-name')).toBe('LeNet-5 (shipped)');
    await page.setInputFiles('#p-model-file', fixture('audio_conv1d-opset13.onnx'));
    expect(await settled(page)).toMatch(/^Loading audio_conv1d-opset13\.onnx failed: /);
    expect(await messageOf(page, 'p-model-msg')).toMatch(/^audio_conv1d-opset13\.onnx cannot be personalised here: input 'input' \[batch,1,256\] is not \[N,C,H,W\]/);
    await page.setInputFiles('#p-model-file', fixture('unet-opset13.onnx'));
    expect(await settled(page)).toMatch(/^Loading unet-opset13\.onnx failed: /);
    expect(await messageOf(page, 'p-model-msg')).toMatch(/^unet-opset13\.onnx cannot be personalised here: no classifier head feeds output 'logits'/);
    await page.click('#p-shipped');
    expect(await settled(page)).toBe('Using the shipped LeNet-5.');
    expect(await messageOf(page, 'p-model-msg')).toBeUndefined();
  });

  it('Stop measures after the last step, then reports and writes; a failure clears the numbers', async () => {
    const { page } = s;
    await page.goto(`${s.server.url}?mode=personalise`);
    expect(await settled(page), s.logs.join('\n')).toMatch(/^Ready on /);
    const cards = page.locator('.class-card');
    const classes: [string, Rgb][] = [['dark', [45, 45, 45]], ['bright', [215, 215, 215]]];
    for (const [k, [name, colour]] of classes.entries()) {
      await cards.nth(k).locator('.class-name').fill(name);
      await addPictures(cards.nth(k), pngFiles(name, colour, 5, 50 + 10 * k));
    }
    await page.fill('#p-steps', '5000');
    await page.fill('#p-batch', '4');
    await page.fill('#p-lr', '0.05');
    await page.click('#p-train');
    await page.waitForFunction(() => Number.parseInt(document.getElementById('p-stat-step')?.textContent ?? '', 10) >= 15, null, { timeout: 60_000 });
    expect(await page.textContent('#p-train')).toBe('Stop');
    await page.click('#p-train');
    const done = await trained(page);
    const m = /^Stopped after (\d+) steps: held-out accuracy ([\d.]+)%\. Try it live, or download it\.$/.exec(done);
    expect(m, `${done}\n${s.logs.join('\n')}`).not.toBeNull();
    const steps = Number(m![1]);
    expect(steps).toBeGreaterThanOrEqual(15);
    expect(steps).toBeLessThan(5000);
    expect(await page.textContent('#p-stat-step')).toBe(`${steps} / 5000`);
    expect(await page.textContent('#p-results caption')).toBe(`After step ${steps}, on 2 held-out pictures`);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#p-download')]);
    expect(download.suggestedFilename()).toBe('lenet5-personalised.onnx');
    const model = await Model.load(new Uint8Array(readFileSync(await download.path())));
    try {
      const finetune = JSON.parse(model.onnx.proto.metadata_props.find((p) => p.key === 'edgetune.finetune')!.value!) as { steps: number };
      expect(finetune.steps).toBe(steps);
      const held = await heldOutPictures(page);
      expect(held.map((h) => h.name)).toEqual(['dark', 'bright']);
      let correct = 0;
      for (const h of held) if ((await model.classify(new Uint8Array(h.png))).label === h.name) correct++;
      expect(correct / held.length).toBeCloseTo(Number(m![2]) / 100, 6);
    } finally {
      await model.dispose();
    }

    await page.setInputFiles('#p-model-file', { name: 'broken.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from([8, 1, 2, 3]) });
    expect(await settled(page)).toMatch(/^Loading broken\.onnx failed: /);
    for (const id of ['p-stat-step', 'p-stat-loss', 'p-stat-acc', 'p-stat-speed']) expect(await page.textContent(`#${id}`), id).toBe('–');
    expect(await page.locator('table.confusion').count()).toBe(0);
    expect(await page.isDisabled('#p-download')).toBe(true);
    expect(await page.evaluate(() => document.body.dataset.trained)).toBe('false');
    expect(await page.textContent('#p-guess')).toBe('?');
  });

  it("the library's default providers pass over a software WebGPU adapter; an explicit 'webgpu' still gets it", async () => {
    const { page } = s;
    await openHarness(s);
    const r = await page.evaluate(async () => {
      const et = (window as unknown as { et: typeof import('../../src/web/index.js') }).et;
      const notices: string[] = [];
      const onNotice = (msg: string) => notices.push(msg);
      const adapter = await et.describeWebgpuAdapter();
      const defaults = await et.defaultProviders({ onNotice });
      const model = await et.loadModel('/models/lenet5.onnx', { onNotice });
      const provider = await model.provider();
      await model.dispose();
      let explicit: string | undefined;
      if (adapter) {
        const gpu = await et.loadModel('/models/lenet5.onnx', { providers: ['webgpu'], onNotice });
        explicit = await gpu.provider();
        await gpu.dispose();
      }
      return { adapter, defaults, provider, explicit, notices };
    });
    if (!r.adapter) {
      expect(r.defaults).toEqual(['wasm']);
      expect(r.provider).toBe('wasm');
      return;
    }
    expect(r.explicit).toBe('webgpu');
    if (r.adapter.software) {
      expect(r.defaults).toEqual(['wasm']);
      expect(r.provider).toBe('wasm');
      expect(r.notices).toHaveLength(2);
      for (const n of r.notices) expect(n).toMatch(/^WebGPU here is a software adapter \(.+\), slower than wasm: using wasm/);
    } else {
      expect(r.defaults).toEqual(['webgpu', 'wasm']);
      expect(r.provider).toBe('webgpu');
      expect(r.notices).toEqual([]);
    }
  });
});
