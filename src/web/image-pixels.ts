/**
 * RGBA pixels of an image handed to the browser entry: ImageData (or any
 * { data, width, height } of RGBA bytes), an element or bitmap canvas can
 * draw (img, canvas, OffscreenCanvas, ImageBitmap, video), or encoded bytes
 * (PNG, JPEG, anything the browser decodes) as a Uint8Array, ArrayBuffer or
 * Blob. Pixels are read at the image's own size; resizing is left to
 * src/classify.ts so the page and Node make the same input.
 */
import { InputError } from '../errors.js';

export interface RgbaPixels {
  data: ArrayLike<number>;
  width: number;
  height: number;
}

export type ImageInput = RgbaPixels | CanvasImageSource | Blob | Uint8Array | ArrayBuffer;

function isPixels(image: unknown): image is RgbaPixels {
  const o = image as Partial<RgbaPixels>;
  return typeof o === 'object' && o !== null && typeof o.width === 'number' && typeof o.height === 'number'
    && typeof (o.data as ArrayLike<number> | undefined)?.length === 'number';
}

function sizeOf(image: CanvasImageSource): { width: number; height: number } {
  const o = image as { naturalWidth?: number; naturalHeight?: number; videoWidth?: number; videoHeight?: number; width?: unknown; height?: unknown };
  if (o.naturalWidth) return { width: o.naturalWidth, height: o.naturalHeight ?? 0 };
  if (o.videoWidth) return { width: o.videoWidth, height: o.videoHeight ?? 0 };
  const w = o.width, h = o.height;
  return { width: typeof w === 'number' ? w : 0, height: typeof h === 'number' ? h : 0 };
}

function context(width: number, height: number): CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D {
  const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(width, height) : Object.assign(document.createElement('canvas'), { width, height });
  const g = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (!g) throw new InputError('this browser gives no 2D canvas to read image pixels with');
  return g;
}

/** The image's RGBA pixels at its own size. */
export async function imagePixels(image: ImageInput): Promise<RgbaPixels> {
  if (isPixels(image)) {
    if (image.data.length < 4 * image.width * image.height) throw new InputError(`image data holds ${image.data.length} bytes, fewer than ${image.width}x${image.height} RGBA pixels need`);
    return image;
  }
  let source: CanvasImageSource;
  let close: (() => void) | undefined;
  if (image instanceof Uint8Array || image instanceof ArrayBuffer || (typeof Blob !== 'undefined' && image instanceof Blob)) {
    const blob = image instanceof Blob ? image : new Blob([image as BlobPart]);
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(blob);
    } catch (e) {
      throw new InputError(`the image bytes could not be decoded (${e instanceof Error ? e.message : String(e)})`);
    }
    source = bitmap;
    close = () => bitmap.close();
  } else {
    source = image as CanvasImageSource;
  }
  try {
    const { width, height } = sizeOf(source);
    if (!(width > 0 && height > 0)) throw new InputError('the image has no pixels (not loaded yet, or empty)');
    const g = context(width, height);
    g.drawImage(source, 0, 0);
    return g.getImageData(0, 0, width, height);
  } finally {
    close?.();
  }
}
