/**
 * The demo page with a model that stores class names and preprocessing: the
 * bars and the guess show the names, and the held-out accuracy is computed
 * on digits normalised as the model says (an untrained copy of LeNet-5 with
 * an identity preprocessing scores what the shipped one scores).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLabels, writePreprocess } from '../../src/model-metadata.js';
import { OnnxModel } from '../../src/model.js';
import { browserSupport, noteSkip, openBrowser, ROOT, type BrowserSession } from './helpers.js';

const support = browserSupport();
if (!support.run) await noteSkip(support.reason);

const NAMES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

async function settled(page: Page, timeout = 60_000): Promise<string> {
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state ?? ''), null, { timeout });
  return (await page.textContent('#status')) ?? '';
}

function labelled(preprocess: Parameters<typeof writePreprocess>[1]): Buffer {
  const m = OnnxModel.fromBytes(readFileSync(path.join(ROOT, 'models/lenet5.onnx')), 'lenet5.onnx');
  writeLabels(m, NAMES);
  writePreprocess(m, preprocess);
  return Buffer.from(m.toBytes());
}

describe.skipIf(!support.run)('the demo page with stored labels and preprocessing', () => {
  let s: BrowserSession;

  beforeAll(async () => {
    s = await openBrowser();
  });

  afterAll(async () => {
    await s?.close();
  });

  it('shows the class names and normalises the digits as the model says', async () => {
    const { page } = s;
    await page.goto(`${s.server.url}?ep=wasm`);
    expect(await settled(page), s.logs.join('\n')).toMatch(/^Ready on WASM/);
    const shipped = await page.textContent('#stat-acc');
    expect(await page.$$eval('#bars .digit', (els) => els.map((e) => e.textContent))).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

    await page.setInputFiles('#file-input', { name: 'named.onnx', mimeType: 'application/octet-stream', buffer: labelled({ size: [28, 28], channels: 'gray', scale: 1 / 255 }) });
    expect(await settled(page), s.logs.join('\n')).toBe('Loaded named.onnx.');
    expect(await page.$$eval('#bars .digit', (els) => els.map((e) => e.textContent))).toEqual(NAMES);
    expect(await page.textContent('#stat-acc')).toBe(shipped);

    const box = (await page.locator('#pad').boundingBox())!;
    await page.mouse.move(box.x + 0.5 * box.width, box.y + 0.2 * box.height);
    await page.mouse.down();
    await page.mouse.move(box.x + 0.5 * box.width, box.y + 0.8 * box.height, { steps: 10 });
    await page.mouse.up();
    await page.waitForFunction(() => /^\d$/.test(document.getElementById('guess')?.dataset.digit ?? ''));
    const digit = Number(await page.getAttribute('#guess', 'data-digit'));
    expect(await page.textContent('#guess')).toBe(NAMES[digit]);

    // a preprocessing that inverts the pixels changes what the model sees, so the accuracy moves
    await page.setInputFiles('#file-input', { name: 'inverted.onnx', mimeType: 'application/octet-stream', buffer: labelled({ size: [28, 28], channels: 'gray', scale: -1 / 255, mean: -1 }) });
    expect(await settled(page), s.logs.join('\n')).toBe('Loaded inverted.onnx.');
    expect(await page.textContent('#stat-acc')).not.toBe(shipped);
  });
});
