/**
 * The demo's live training plot on a canvas: the loss of every step (faint)
 * with its exponential moving average m_t = 0.9·m_{t−1} + 0.1·loss_t (bold)
 * on the left axis, and test accuracy in percent on the right axis.
 */

export interface PlotColors {
  loss: string;
  lossFaint: string;
  accuracy: string;
  grid: string;
  text: string;
}

const DEFAULT_COLORS: PlotColors = {
  loss: '#4f46e5', lossFaint: 'rgba(79, 70, 229, 0.22)', accuracy: '#059669', grid: '#e5e7eb', text: '#6b7280',
};

/** Exponential moving average with factor a: m_0 = x_0, m_t = (1 − a)·m_{t−1} + a·x_t. */
export function ema(xs: readonly number[], a = 0.1): number[] {
  const out: number[] = [];
  let m = NaN;
  for (const x of xs) {
    m = Number.isNaN(m) ? x : (1 - a) * m + a * x;
    out.push(m);
  }
  return out;
}

/** A "nice" tick step: the smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 or 10 times a power of ten that is at least `v`. */
export function niceStep(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v * (1 - 1e-9)) return m * p;
  return 10 * p;
}

/** The plot on a canvas; add points as they come, it redraws once per frame and on resize. */
export class TrainingPlot {
  private losses: { step: number; loss: number }[] = [];
  private accuracies: { step: number; accuracy: number }[] = [];
  private pending = false;
  /** the accuracy line's name in the legend */
  accuracyLabel = 'test accuracy';

  constructor(private readonly canvas: HTMLCanvasElement, private readonly colors: PlotColors = DEFAULT_COLORS) {
    new ResizeObserver(() => this.request()).observe(canvas);
  }

  reset(): void {
    this.losses = [];
    this.accuracies = [];
    this.request();
  }

  addLoss(step: number, loss: number): void {
    if (Number.isFinite(loss)) this.losses.push({ step, loss });
    this.request();
  }

  addAccuracy(step: number, accuracy: number): void {
    this.accuracies.push({ step, accuracy });
    this.request();
  }

  /** Redraw on the next animation frame (many updates per frame draw once). */
  request(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  draw(): void {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const cssW = c.clientWidth || 600, cssH = c.clientHeight || 240;
    if (c.width !== Math.round(cssW * dpr) || c.height !== Math.round(cssH * dpr)) {
      c.width = Math.round(cssW * dpr);
      c.height = Math.round(cssH * dpr);
    }
    const g = c.getContext('2d')!;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, cssW, cssH);
    const pad = { l: 44, r: 44, t: 32, b: 26 };
    const w = cssW - pad.l - pad.r, h = cssH - pad.t - pad.b;
    const steps = [...this.losses.map((p) => p.step), ...this.accuracies.map((p) => p.step)];
    const firstStep = steps.length > 0 ? Math.min(...steps) : 0;
    const lastStep = Math.max(firstStep + 10, ...steps);
    const tick = niceStep(Math.max(0.5, ...this.losses.map((p) => p.loss)) / 4);
    const maxLoss = 4 * tick;
    const X = (s: number) => pad.l + ((s - firstStep) / (lastStep - firstStep)) * w;
    const YL = (v: number) => pad.t + h - (Math.min(v, maxLoss) / maxLoss) * h;
    const YA = (a: number) => pad.t + h - a * h;

    g.font = '11px system-ui, -apple-system, "Segoe UI", sans-serif';
    g.lineWidth = 1;
    g.strokeStyle = this.colors.grid;
    g.fillStyle = this.colors.text;
    for (let i = 0; i <= 4; i++) {
      const y = pad.t + (h * i) / 4;
      g.beginPath(); g.moveTo(pad.l, y); g.lineTo(pad.l + w, y); g.stroke();
      g.textAlign = 'right'; g.textBaseline = 'middle';
      g.fillText(String(Number((tick * (4 - i)).toPrecision(3))), pad.l - 6, y);
      g.textAlign = 'left';
      g.fillText(`${(100 * (4 - i)) / 4}%`, pad.l + w + 6, y);
    }
    g.textAlign = 'center'; g.textBaseline = 'top';
    for (const s of [firstStep, Math.round((firstStep + lastStep) / 2), lastStep]) g.fillText(String(s), X(s), pad.t + h + 6);

    g.textAlign = 'left'; g.textBaseline = 'middle';
    const legend: [string, string][] = [['loss', this.colors.loss], [this.accuracyLabel, this.colors.accuracy]];
    let lx = pad.l;
    for (const [name, color] of legend) {
      g.fillStyle = color; g.fillRect(lx, 11, 14, 3);
      g.fillStyle = this.colors.text; g.fillText(name, lx + 19, 13);
      lx += g.measureText(name).width + 40;
    }
    if (this.losses.length === 0 && this.accuracies.length === 0) {
      g.textAlign = 'center'; g.textBaseline = 'middle';
      const long = `Loss and ${this.accuracyLabel} appear here while training`;
      g.fillText(g.measureText(long).width < w - 24 ? long : 'Plots appear while training', pad.l + w / 2, pad.t + h / 2);
      return;
    }
    const line = (pts: { x: number; y: number }[], color: string, width: number) => {
      if (pts.length === 0) return;
      g.strokeStyle = color; g.lineWidth = width; g.lineJoin = 'round';
      g.beginPath();
      pts.forEach((p, i) => (i === 0 ? g.moveTo(p.x, p.y) : g.lineTo(p.x, p.y)));
      g.stroke();
    };
    line(this.losses.map((p) => ({ x: X(p.step), y: YL(p.loss) })), this.colors.lossFaint, 1.25);
    const smooth = ema(this.losses.map((p) => p.loss));
    line(this.losses.map((p, i) => ({ x: X(p.step), y: YL(smooth[i]!) })), this.colors.loss, 2.25);
    const acc = this.accuracies.map((p) => ({ x: X(p.step), y: YA(p.accuracy) }));
    line(acc, this.colors.accuracy, 2);
    g.fillStyle = this.colors.accuracy;
    for (const p of acc) { g.beginPath(); g.arc(p.x, p.y, 3, 0, 2 * Math.PI); g.fill(); }
  }
}
