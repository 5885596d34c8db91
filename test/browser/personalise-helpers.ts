/**
 * Set-up for the personalisation page's browser tests: Chromium (opened by
 * helpers.ts) with a fake webcam that plays a generated Y4M
 * file, the demo server, test pictures as PNG bytes, and waiting for the
 * page to settle.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import type { Locator, Page } from 'playwright-core';
import { Rng } from '../../src/train/rng.js';
import { openBrowser, type BrowserSession } from './helpers.js';

export type Rgb = [number, number, number];

/** BT.601 full-range YCbCr of an RGB colour (what C420jpeg Y4M holds). */
function ycc([r, g, b]: Rgb): Rgb {
  const c = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  return [c(0.299 * r + 0.587 * g + 0.114 * b), c(-0.1687 * r - 0.3313 * g + 0.5 * b + 128), c(0.5 * r - 0.4187 * g - 0.0813 * b + 128)];
}

/**
 * A Y4M video (4:2:0) of `frames` frames w×h: a `background` field with a
 * light square that moves a little from frame to frame, so snapshots differ.
 */
export function y4m(background: Rgb, w = 320, h = 240, frames = 8): Uint8Array {
  const header = new TextEncoder().encode(`YUV4MPEG2 W${w} H${h} F10:1 Ip A1:1 C420jpeg\n`);
  const frameHeader = new TextEncoder().encode('FRAME\n');
  const size = w * h + 2 * (w / 2) * (h / 2);
  const out = new Uint8Array(header.length + frames * (frameHeader.length + size));
  out.set(header, 0);
  const bg = ycc(background), fg = ycc(background.map((v) => Math.min(255, v + 70)) as Rgb);
  let at = header.length;
  for (let f = 0; f < frames; f++) {
    out.set(frameHeader, at);
    at += frameHeader.length;
    const sx = 40 + 12 * f, sy = 60 + 6 * f, side = 90;
    const inside = (x: number, y: number) => x >= sx && x < sx + side && y >= sy && y < sy + side;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[at + y * w + x] = (inside(x, y) ? fg : bg)[0];
    at += w * h;
    for (const plane of [1, 2] as const) {
      for (let y = 0; y < h / 2; y++) for (let x = 0; x < w / 2; x++) out[at + y * (w / 2) + x] = (inside(2 * x, 2 * y) ? fg : bg)[plane];
      at += (w / 2) * (h / 2);
    }
  }
  return out;
}

/** A w×h PNG of one colour with seeded noise and a lighter square somewhere. */
export function picture(colour: Rgb, seed: number, w = 48, h = 40): Buffer {
  const rng = new Rng(seed);
  const png = new PNG({ width: w, height: h });
  const sx = Math.floor(rng.next() * (w - 12)), sy = Math.floor(rng.next() * (h - 12));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const lift = x >= sx && x < sx + 12 && y >= sy && y < sy + 12 ? 50 : 0;
      for (let c = 0; c < 3; c++) png.data[(y * w + x) * 4 + c] = Math.max(0, Math.min(255, colour[c]! + lift + Math.round((rng.next() - 0.5) * 50)));
      png.data[(y * w + x) * 4 + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

/** Files for page.setInputFiles. */
export function pngFiles(prefix: string, colour: Rgb, n: number, seed: number): { name: string; mimeType: string; buffer: Buffer }[] {
  return Array.from({ length: n }, (_, i) => ({ name: `${prefix}-${i + 1}.png`, mimeType: 'image/png', buffer: picture(colour, seed + i) }));
}

/** The demo server and Chromium with a fake camera playing a Y4M of `camera` (its permission granted). */
export function openWithCamera(camera: Rgb): Promise<BrowserSession> {
  return openBrowser(async (dir) => {
    const video = path.join(dir, 'camera.y4m');
    await fs.writeFile(video, y4m(camera));
    return ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${video}`];
  });
}

/** Wait until the page is ready (or failed) and return its status line. */
export async function settled(page: Page, timeout = 60_000): Promise<string> {
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state ?? ''), null, { timeout });
  return (await page.textContent('#status')) ?? '';
}

/** Wait until a training run has ended (done, stopped or failed) and return the status line. */
export async function trained(page: Page, timeout = 120_000): Promise<string> {
  await page.waitForFunction(() => document.body.dataset.state === 'ready' && document.getElementById('p-train')?.textContent === 'Train', null, { timeout });
  return (await page.textContent('#status')) ?? '';
}

/** The PNG bytes of the thumbnails marked held out, with their class names, in page order. */
export async function heldOutPictures(page: Page): Promise<{ name: string; png: Buffer }[]> {
  const found = await page.$$eval('.class-card', (cards) => cards.flatMap((card) => {
    const name = (card.querySelector('.class-name') as HTMLInputElement).value.trim();
    return [...card.querySelectorAll<HTMLImageElement>('img.thumb[data-held-out="true"]')].map((img) => ({ name, url: img.src }));
  }));
  return found.map((f) => ({ name: f.name, png: Buffer.from(f.url.replace(/^data:image\/png;base64,/, ''), 'base64') }));
}

/** Add picture files to a class card and wait until the page has read them all. */
export async function addPictures(card: Locator, files: { name: string; mimeType: string; buffer: Buffer }[]): Promise<void> {
  const count = card.locator('.count');
  const before = Number.parseInt((await count.textContent()) ?? '0', 10);
  await card.locator('.class-files').setInputFiles(files);
  const want = before + files.length;
  await count.filter({ hasText: new RegExp(`^${want} images?$`) }).waitFor();
}
