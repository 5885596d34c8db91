/**
 * The personalisation page's pictures: the webcam (getUserMedia) shown in a
 * video element with frames taken from it, images from files, both kept at
 * a modest size, and the PNG thumbnails of what is kept.
 */
import { imagePixels, InputError } from './index.js';

/** Longest side of a webcam frame as kept and classified. */
export const FRAME_SIDE = 160;
/** Longest side of an image from a file as kept (smaller images stay as they are). */
export const FILE_SIDE = 256;

function canvas(width: number, height: number): { c: HTMLCanvasElement; g: CanvasRenderingContext2D } {
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  const g = c.getContext('2d', { willReadFrequently: true });
  if (!g) throw new InputError('this browser gives no 2D canvas to read pictures with');
  g.imageSmoothingEnabled = true;
  g.imageSmoothingQuality = 'high';
  return { c, g };
}

/** The size w×h scaled so that its longer side is at most `side` (never enlarged). */
export function fitSize(w: number, h: number, side: number): { width: number; height: number } {
  const s = Math.min(1, side / Math.max(w, h));
  return { width: Math.max(1, Math.round(w * s)), height: Math.max(1, Math.round(h * s)) };
}

/** A source's pixels drawn at most `side` pixels long. */
function drawn(source: CanvasImageSource, w: number, h: number, side: number): ImageData {
  const size = fitSize(w, h, side);
  const { g } = canvas(size.width, size.height);
  g.drawImage(source, 0, 0, size.width, size.height);
  return g.getImageData(0, 0, size.width, size.height);
}

/** An image file's pixels, at most FILE_SIDE long; an InputError naming the file when the browser cannot decode it. */
export async function filePixels(file: File): Promise<ImageData> {
  let px;
  try {
    px = await imagePixels(file);
  } catch {
    throw new InputError(`${file.name} is not an image this browser can read`);
  }
  const image = px instanceof ImageData ? px : new ImageData(Uint8ClampedArray.from(px.data), px.width, px.height);
  if (Math.max(image.width, image.height) <= FILE_SIDE) return image;
  const { c, g } = canvas(image.width, image.height);
  g.putImageData(image, 0, 0);
  return drawn(c, image.width, image.height, FILE_SIDE);
}

/** The pixels as a PNG data URL (the thumbnail, and what a test reads back). */
export function pngUrl(image: ImageData): string {
  const { c, g } = canvas(image.width, image.height);
  g.putImageData(image, 0, 0);
  return c.toDataURL('image/png');
}

/** Paint the pixels onto a canvas, resizing the canvas to them. */
export function paint(target: HTMLCanvasElement, image: ImageData): void {
  target.width = image.width;
  target.height = image.height;
  target.getContext('2d')!.putImageData(image, 0, 0);
}

/** Why the camera could not start, in words for the page. */
export function cameraError(e: unknown): string {
  const name = (e as { name?: string }).name;
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'The browser refused the camera (permission denied).';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No camera was found.';
  if (name === 'NotReadableError') return 'The camera is in use by another program.';
  return `The camera could not start (${e instanceof Error ? e.message : String(e)}).`;
}

/** The webcam in a video element. */
export class Camera {
  private stream: MediaStream | undefined;

  constructor(readonly video: HTMLVideoElement) {}

  get on(): boolean {
    return this.stream !== undefined;
  }

  /** Ask for the camera and show it; the error says why when it cannot (cameraError words it). */
  async start(): Promise<void> {
    if (this.stream) return;
    const media = navigator.mediaDevices;
    if (!media?.getUserMedia) throw new InputError('This page has no camera access (it needs https or localhost).');
    const stream = await media.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
    this.stream = stream;
    this.video.srcObject = stream;
    this.video.muted = true;
    await this.video.play();
    for (let i = 0; i < 100 && this.video.videoWidth === 0; i++) await new Promise((r) => setTimeout(r, 50));
    if (this.video.videoWidth === 0) {
      this.stop();
      throw new InputError('The camera started but sends no picture.');
    }
  }

  stop(): void {
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = undefined;
    this.video.srcObject = null;
  }

  /** The current frame, at most FRAME_SIDE long. */
  frame(): ImageData {
    if (!this.stream || this.video.videoWidth === 0) throw new InputError('The camera is off.');
    return drawn(this.video, this.video.videoWidth, this.video.videoHeight, FRAME_SIDE);
  }
}
