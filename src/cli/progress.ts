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

/**
 * The live line for a terminal `columns` wide, never wrapping: the bar
 * shrinks first, then the separators, then the least useful fields go (ETA,
 * speed, accuracy), and what is left is cut to the width.
 */
export function fitLine(fields: string[], columns: number, frac: number): string {
  const room = Math.max(10, columns - 1);
  for (const sep of ['  ', ' ']) {
    for (let keep = fields.length; keep >= 2; keep--) {
      const text = fields.slice(0, keep).join(sep);
      const barWidth = Math.min(24, room - text.length - 1);
      if (barWidth >= 8) return `${'█'.repeat(Math.round(frac * barWidth)).padEnd(barWidth, '░')} ${text}`;
      if (sep === ' ' && text.length <= room) return text;
    }
  }
  return fields.slice(0, 2).join(' ').slice(0, room);
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
      const fields = [
        `epoch ${p.epoch + 1}/${p.epochs}`, `step ${p.stepInEpoch}/${p.stepsPerEpoch}`, `loss ${p.loss.toFixed(4)}`,
        ...(p.skipped ? ['(step skipped: non-finite)'] : []), ...(p.cachedFeatures ? ['cached features'] : []),
        `acc ${(p.accuracy * 100).toFixed(1)}%`, `${p.imagesPerSecond.toFixed(0)} img/s`, `ETA ${clock(p.etaSeconds)}`,
      ];
      const line = fields.join('  ');
      if (mode === 'json') {
        out.write(JSON.stringify({ type: 'progress', ...p }) + '\n');
      } else if (mode === 'tty') {
        const now = Date.now();
        const last = p.stepInEpoch === p.stepsPerEpoch;
        if (!last && !p.skipped && now - lastPlain < 100) return;
        lastPlain = now;
        out.write(`\r\x1b[2K${fitLine(fields, out.columns || 80, p.stepInEpoch / p.stepsPerEpoch)}`);
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
