/**
 * Progress output for long runs: a live bar on a terminal, plain lines when
 * the output is a pipe or file, JSON lines with --json.
 */
import type { Progress } from '../train/fit.js';

function clock(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60), sec = Math.floor(s % 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
}

export interface Reporter {
  progress(p: Progress): void;
  event(kind: string, data: Record<string, unknown>, text: string): void;
  done(): void;
}

export function makeReporter(mode: 'json' | 'tty' | 'plain', out: NodeJS.WriteStream = process.stdout): Reporter {
  let lastPlain = 0;
  let barShown = false;
  const clearBar = () => { if (barShown) { out.write('\r\x1b[2K'); barShown = false; } };
  return {
    progress(p) {
      const line = `epoch ${p.epoch + 1}/${p.epochs}  step ${p.stepInEpoch}/${p.stepsPerEpoch}  loss ${p.loss.toFixed(4)}  acc ${(p.accuracy * 100).toFixed(1)}%  ${p.imagesPerSecond.toFixed(0)} img/s  ETA ${clock(p.etaSeconds)}${p.skipped ? '  (step skipped: non-finite)' : ''}`;
      if (mode === 'json') {
        out.write(JSON.stringify({ type: 'progress', ...p }) + '\n');
      } else if (mode === 'tty') {
        const now = Date.now();
        const last = p.stepInEpoch === p.stepsPerEpoch;
        if (!last && !p.skipped && now - lastPlain < 100) return;
        lastPlain = now;
        const width = 24;
        const frac = p.stepInEpoch / p.stepsPerEpoch;
        const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
        out.write(`\r\x1b[2K${bar} ${line}`);
        barShown = true;
        if (p.stepInEpoch === p.stepsPerEpoch) { out.write('\n'); barShown = false; }
      } else {
        const now = Date.now();
        if (now - lastPlain > 2000 || p.stepInEpoch === p.stepsPerEpoch || p.skipped) {
          out.write(line + '\n');
          lastPlain = now;
        }
      }
    },
    event(kind, data, text) {
      if (mode === 'json') out.write(JSON.stringify({ type: kind, ...data }) + '\n');
      else { clearBar(); out.write(text + '\n'); }
    },
    done() { clearBar(); },
  };
}
