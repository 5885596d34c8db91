/**
 * The demo's drawing pad: white strokes on black drawn with mouse, pen or
 * touch, turned into a 28×28 MNIST-style input the way MNIST digits were
 * made: the ink's bounding box scaled to fit 20×20 (aspect kept), then placed
 * so that its centre of mass sits at the centre of the 28×28 field.
 */

const SIDE = 28;
const BOX = 20;
/** An intermediate size for the downscale (4× the target), which keeps thin strokes from aliasing away. */
const MID = SIDE * 4;

export interface Point { x: number; y: number }

/** Centre of mass (Σ v·(x+½), Σ v·(y+½)) / Σ v of an S×S grayscale image, or undefined when it is empty. */
export function centreOfMass(v: ArrayLike<number>, side: number): Point | undefined {
  let sum = 0, sx = 0, sy = 0;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const w = v[y * side + x]!;
      sum += w; sx += w * (x + 0.5); sy += w * (y + 0.5);
    }
  }
  return sum > 0 ? { x: sx / sum, y: sy / sum } : undefined;
}

/** Bounding box of pixels whose red channel exceeds `threshold` in RGBA data, or undefined. */
export function inkBox(rgba: Uint8ClampedArray, width: number, height: number, threshold = 16): { x: number; y: number; w: number; h: number } | undefined {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (rgba[(y * width + x) * 4]! > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? undefined : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

function canvas(side: number): { c: HTMLCanvasElement; g: CanvasRenderingContext2D } {
  const c = document.createElement('canvas');
  c.width = side;
  c.height = side;
  const g = c.getContext('2d', { willReadFrequently: true })!;
  g.imageSmoothingEnabled = true;
  g.imageSmoothingQuality = 'high';
  return { c, g };
}

/** A canvas to draw on with pointer events, read back as a 28×28 model input. */
export class DrawPad {
  private drawing = false;
  private last: Point | undefined;
  private dirty = false;
  private readonly g: CanvasRenderingContext2D;

  /** `onChange(final)` is called while drawing (final = false, at most once per frame) and when a stroke ends (final = true). */
  constructor(readonly pad: HTMLCanvasElement, private readonly onChange: (final: boolean) => void) {
    this.g = pad.getContext('2d', { willReadFrequently: true })!;
    this.clear();
    pad.style.touchAction = 'none';
    pad.addEventListener('pointerdown', (e) => this.down(e));
    pad.addEventListener('pointermove', (e) => this.move(e));
    pad.addEventListener('pointerup', () => this.up());
    pad.addEventListener('pointercancel', () => this.up());
  }

  clear(): void {
    this.g.fillStyle = '#000';
    this.g.fillRect(0, 0, this.pad.width, this.pad.height);
    this.dirty = false;
  }

  get isEmpty(): boolean {
    return !this.dirty;
  }

  private at(e: PointerEvent): Point {
    const r = this.pad.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * this.pad.width, y: ((e.clientY - r.top) / r.height) * this.pad.height };
  }

  private down(e: PointerEvent): void {
    e.preventDefault();
    this.pad.setPointerCapture(e.pointerId);
    this.drawing = true;
    this.last = this.at(e);
    this.stroke(this.last, this.last);
  }

  private move(e: PointerEvent): void {
    if (!this.drawing || !this.last) return;
    const p = this.at(e);
    this.stroke(this.last, p);
    this.last = p;
    this.onChange(false);
  }

  private up(): void {
    if (!this.drawing) return;
    this.drawing = false;
    this.last = undefined;
    this.onChange(true);
  }

  private stroke(a: Point, b: Point): void {
    const g = this.g;
    g.strokeStyle = '#fff';
    g.lineCap = 'round';
    g.lineJoin = 'round';
    g.lineWidth = this.pad.width * 0.075;
    g.beginPath();
    g.moveTo(a.x, a.y);
    g.lineTo(b.x, b.y);
    g.stroke();
    this.dirty = true;
  }

  /**
   * The drawing as a [1,28,28] input in [0,1] (row-major), or undefined when
   * the pad is empty; `preview`, when given, shows the 28×28 result.
   */
  toInput(preview?: HTMLCanvasElement): Float32Array | undefined {
    const w = this.pad.width, h = this.pad.height;
    const box = inkBox(this.g.getImageData(0, 0, w, h).data, w, h);
    if (!box) return undefined;
    const scale = BOX / Math.max(box.w, box.h);
    const dw = box.w * scale, dh = box.h * scale;
    const mid = canvas(MID);
    mid.g.fillStyle = '#000';
    mid.g.fillRect(0, 0, MID, MID);
    mid.g.drawImage(this.pad, box.x, box.y, box.w, box.h, ((SIDE - dw) / 2) * 4, ((SIDE - dh) / 2) * 4, dw * 4, dh * 4);
    const place = (dx: number, dy: number): Float32Array => {
      const out = canvas(SIDE);
      out.g.fillStyle = '#000';
      out.g.fillRect(0, 0, SIDE, SIDE);
      out.g.drawImage(mid.c, dx, dy, SIDE, SIDE);
      const px = out.g.getImageData(0, 0, SIDE, SIDE).data;
      const v = new Float32Array(SIDE * SIDE);
      for (let i = 0; i < v.length; i++) v[i] = px[i * 4]! / 255;
      return v;
    };
    const centred = place(0, 0);
    const com = centreOfMass(centred, SIDE) ?? { x: SIDE / 2, y: SIDE / 2 };
    const x = place(SIDE / 2 - com.x, SIDE / 2 - com.y);
    if (preview) showInput(preview, x);
    return x;
  }
}

/** Paint a 28×28 input in [0,1] onto a canvas as gray levels. */
export function showInput(target: HTMLCanvasElement, x: Float32Array | undefined): void {
  target.width = SIDE;
  target.height = SIDE;
  const g = target.getContext('2d')!;
  const img = g.createImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    const v = Math.round(255 * (x?.[i] ?? 0));
    img.data[i * 4] = v; img.data[i * 4 + 1] = v; img.data[i * 4 + 2] = v; img.data[i * 4 + 3] = 255;
  }
  g.putImageData(img, 0, 0);
}
