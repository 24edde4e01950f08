// A camera photo made ready to travel over a village link: its EXIF read from the original
// bytes first (compressing drops it), then scaled to 1,600 px on its longest side and encoded
// as JPEG, the quality stepped down until it is at most 200 KB; its SHA-256 (the name the
// server keeps it by) computed here, on the compressed bytes.
import { readExif, type Exif } from './exif';

export const MAX_SIDE = 1600;
export const MAX_BYTES = 200 * 1024;
const QUALITIES = [0.8, 0.72, 0.64, 0.56, 0.48, 0.4];
const EXIF_WINDOW = 256 * 1024; // EXIF sits in the first segments of a JPEG

export interface Prepared {
  blob: Blob;
  sha256: string;
  width: number;
  height: number;
  originalSize: number;
  exif: Exif;
}

export async function sha256Hex(data: BufferSource): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', data);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

type Canvas = OffscreenCanvas | HTMLCanvasElement;

/** The bitmap drawn at the given size (an OffscreenCanvas where there is one). */
function drawn(bitmap: ImageBitmap, width: number, height: number): Canvas {
  if (typeof OffscreenCanvas === 'function') {
    const canvas = new OffscreenCanvas(width, height);
    paint(canvas.getContext('2d'), bitmap, width, height);
    return canvas;
  }
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  paint(canvas.getContext('2d'), bitmap, width, height);
  return canvas;
}

function paint(
  context: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null,
  bitmap: ImageBitmap,
  width: number,
  height: number,
): void {
  if (!context) throw new Error('no 2d context');
  context.imageSmoothingQuality = 'high';
  context.drawImage(bitmap, 0, 0, width, height);
}

async function encode(canvas: Canvas, quality: number): Promise<Blob> {
  if ('convertToBlob' in canvas) return canvas.convertToBlob({ type: 'image/jpeg', quality });
  const blob = await new Promise<Blob | null>((done) => canvas.toBlob(done, 'image/jpeg', quality));
  if (!blob) throw new Error('the photo could not be encoded');
  return blob;
}

export async function preparePhoto(file: Blob): Promise<Prepared> {
  const exif = readExif(await file.slice(0, EXIF_WINDOW).arrayBuffer());
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  try {
    let scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    for (let round = 0; round < 6; round++) {
      const width = Math.max(1, Math.round(bitmap.width * scale));
      const height = Math.max(1, Math.round(bitmap.height * scale));
      const canvas = drawn(bitmap, width, height);
      for (const quality of QUALITIES) {
        const blob = await encode(canvas, quality);
        if (blob.size <= MAX_BYTES) {
          const sha256 = await sha256Hex(await blob.arrayBuffer());
          return { blob, sha256, width, height, originalSize: file.size, exif };
        }
      }
      scale *= 0.75; // still too large at the lowest quality: fewer pixels
    }
    throw new Error('the photo cannot be made small enough');
  } finally {
    bitmap.close();
  }
}
