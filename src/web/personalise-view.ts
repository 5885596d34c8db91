/**
 * What the personalisation page draws from results: the per-class table
 * (rows: true class, columns: predicted, then each class's accuracy) and
 * the probability bars of a prediction.
 */
import type { Confusion } from './index.js';
import { percent } from './demo-format.js';

function cell(tag: 'td' | 'th', text: string, className?: string): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = text;
  if (className) el.className = className;
  return el;
}

/** The confusion counts as a table with each class's accuracy; `caption` says which images were measured. */
export function renderResults(target: HTMLElement, conf: Confusion, names: readonly string[], caption: string): void {
  const table = document.createElement('table');
  table.className = 'confusion';
  const cap = document.createElement('caption');
  cap.textContent = caption;
  table.append(cap);
  const head = document.createElement('tr');
  head.append(cell('th', 'true \\ predicted', 'corner'), ...names.map((n) => cell('th', n, 'pred')), cell('th', 'accuracy'), cell('th', 'images'));
  const thead = document.createElement('thead');
  thead.append(head);
  const body = document.createElement('tbody');
  conf.matrix.forEach((row, t) => {
    const tr = document.createElement('tr');
    tr.dataset.class = names[t] ?? String(t);
    const p = conf.perClass[t]!;
    tr.append(cell('th', names[t] ?? String(t), 'true'));
    row.forEach((v, k) => tr.append(cell('td', String(v), k === t ? 'hit' : v > 0 ? 'miss' : undefined)));
    const acc = cell('td', p.rows > 0 ? percent(p.accuracy) : '–', 'acc');
    acc.style.setProperty('--acc', String(p.rows > 0 ? p.accuracy : 0));
    tr.append(acc, cell('td', String(p.rows), 'rows'));
    body.append(tr);
  });
  table.append(thead, body);
  target.replaceChildren(table);
}

/** One bar per class. */
export function buildBars(target: HTMLElement, names: readonly string[]): void {
  target.replaceChildren(...names.map((n) => {
    const row = document.createElement('div');
    row.className = 'bar';
    row.innerHTML = '<span class="digit"></span><span class="track"><span class="fill"></span></span><span class="value">–</span>';
    const name = row.querySelector('.digit')!;
    name.textContent = n;
    name.setAttribute('title', n);
    return row;
  }));
}

/** Fill the bars with probabilities (empty bars for undefined), marking the largest. */
export function showBars(target: HTMLElement, p: Float32Array | undefined): void {
  const rows = [...target.children] as HTMLElement[];
  let best = -1;
  if (p) for (let k = 0; k < p.length; k++) if (best < 0 || p[k]! > p[best]!) best = k;
  rows.forEach((row, k) => {
    const v = p?.[k] ?? 0;
    (row.querySelector('.fill') as HTMLElement).style.width = `${(100 * v).toFixed(1)}%`;
    row.querySelector('.value')!.textContent = p ? `${(100 * v).toFixed(1)}%` : '–';
    row.classList.toggle('best', k === best);
  });
}
