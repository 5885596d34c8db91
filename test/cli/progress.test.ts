import { describe, expect, it } from 'vitest';
import { fitLine, makeReporter } from '../../src/cli/progress.js';
import type { Progress } from '../../src/train/fit.js';

const fields = ['epoch 12/20', 'step 250/250', 'loss 0.0123', 'acc 99.1%', '10310 img/s', 'ETA 01:23'];

function fakeTty(columns: number): { out: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const out = { columns, write: (s: string) => { chunks.push(s); return true; } } as unknown as NodeJS.WriteStream;
  return { out, text: () => chunks.join('') };
}

describe('the live progress line', () => {
  it.each([120, 100, 80, 60, 40, 24])('never wraps a %i-column terminal', (columns) => {
    const line = fitLine(fields, columns, 0.5);
    expect([...line].length).toBeLessThan(columns);
    expect(line).toContain('epoch 12/20');
  });

  it('keeps every field and a bar when there is room, and drops ETA and speed first', () => {
    expect(fitLine(fields, 120, 1)).toBe(`${'█'.repeat(24)} ${fields.join('  ')}`);
    const narrow = fitLine(fields, 60, 0);
    expect(narrow).toContain('loss 0.0123');
    expect(narrow).not.toContain('ETA');
  });

  it('the reporter draws the fitted line on a terminal', () => {
    const tty = fakeTty(80);
    const p: Progress = { epoch: 0, epochs: 20, step: 3, stepInEpoch: 3, stepsPerEpoch: 250, totalSteps: 5000, loss: 1.5, accuracy: 0.5, imagesPerSecond: 1000, etaSeconds: 100, skipped: false };
    makeReporter('tty', tty.out).progress(p);
    const drawn = tty.text().replace('\r\x1b[2K', '');
    expect([...drawn].length).toBeLessThan(80);
    expect(drawn).toMatch(/epoch 1\/20/);
  });
});
