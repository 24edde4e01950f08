// CSV and PNG downloads made in the browser: nothing leaves the page but the file itself.
import { num } from '../format';

export type Cell = string | number | null | undefined;
export interface TableData {
  title: string;
  columns: string[];
  rows: Cell[][];
}

/** A CSV cell; one starting with = + - @ is prefixed so a spreadsheet reads it as text. */
function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",;\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** UTF-8 with a byte-order mark (Excel then reads the accents), CRLF line ends. */
export function toCsv(table: TableData): Blob {
  const lines = [table.columns, ...table.rows].map((row) => row.map(csvCell).join(','));
  return new Blob(['\ufeff', lines.join('\r\n'), '\r\n'], { type: 'text/csv;charset=utf-8' });
}

export function download(blob: Blob, filename: string): void {
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

/** Counts and shares ("8,07%") are right-aligned. */
const figureLike = (cell: Cell) =>
  typeof cell === 'number' || (typeof cell === 'string' && /^[+-]?[\d.,]+%$/.test(cell));

/** The width of a title in the bold export font. */
function titleWidth(title: string): number {
  const ctx = document.createElement('canvas').getContext('2d')!;
  ctx.font = `bold 15px ${FONT}`;
  return ctx.measureText(title).width + 16;
}

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif';
const SCALE = 2; // crisp on paper and on high-density screens

function canvasOf(width: number, height: number): [HTMLCanvasElement, CanvasRenderingContext2D] {
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(width * SCALE);
  canvas.height = Math.ceil(height * SCALE);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d canvas');
  ctx.scale(SCALE, SCALE);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  return [canvas, ctx];
}

const png = (canvas: HTMLCanvasElement) =>
  new Promise<Blob>((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error('toBlob failed'))),
      'image/png',
    ),
  );

/** A table drawn as text on a canvas (no markup involved). */
export function tableToPng(table: TableData): Promise<Blob> {
  const pad = 8;
  const rowH = 24;
  const measure = document.createElement('canvas').getContext('2d')!;
  measure.font = `bold 13px ${FONT}`;
  const widths = table.columns.map((c) => measure.measureText(c).width);
  measure.font = `13px ${FONT}`;
  for (const row of table.rows) {
    row.forEach((cell, i) => {
      const text = typeof cell === 'number' ? num(cell) : String(cell ?? '');
      widths[i] = Math.max(widths[i] ?? 0, measure.measureText(text).width);
    });
  }
  const colW = widths.map((w) => Math.min(w, 360) + 2 * pad);
  const columnsWidth = colW.reduce((a, b) => a + b, 0) + 2 * pad;
  const width = Math.max(columnsWidth, titleWidth(table.title), 320);
  const height = 40 + rowH * (table.rows.length + 1) + pad;
  const [canvas, ctx] = canvasOf(width, height);
  ctx.fillStyle = '#1b1b1b';
  ctx.font = `bold 15px ${FONT}`;
  ctx.fillText(table.title, pad, 24);
  const draw = (row: Cell[], y: number, bold: boolean) => {
    ctx.font = `${bold ? 'bold ' : ''}13px ${FONT}`;
    let x = pad;
    row.forEach((cell, i) => {
      const numeric = figureLike(cell);
      const text = typeof cell === 'number' ? num(cell) : String(cell ?? '');
      const w = colW[i] ?? 0;
      ctx.textAlign = numeric ? 'right' : 'left';
      ctx.fillText(text, numeric ? x + w - pad : x + pad, y + 16, w - 2 * pad);
      x += w;
    });
    ctx.textAlign = 'left';
    ctx.strokeStyle = '#c8c8c8';
    ctx.beginPath();
    ctx.moveTo(pad, y + rowH);
    ctx.lineTo(width - pad, y + rowH);
    ctx.stroke();
  };
  draw(table.columns, 36, true);
  table.rows.forEach((row, i) => draw(row, 36 + rowH * (i + 1), false));
  return png(canvas);
}

/** An SVG chart drawn onto a canvas: serialised, loaded as an image from a blob: URL. */
export async function svgToPng(svg: SVGSVGElement, title: string): Promise<Blob> {
  const box = svg.viewBox.baseVal;
  const width = box?.width || svg.clientWidth || 600;
  const height = box?.height || svg.clientHeight || 300;
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', String(width));
  copy.setAttribute('height', String(height));
  const source = new XMLSerializer().serializeToString(copy);
  const url = URL.createObjectURL(new Blob([source], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const [canvas, ctx] = canvasOf(Math.max(width, titleWidth(title)), height + 32);
    ctx.fillStyle = '#1b1b1b';
    ctx.font = `bold 15px ${FONT}`;
    ctx.fillText(title, 8, 22);
    ctx.drawImage(image, 0, 32, width, height);
    return await png(canvas);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** A file name from a title: "Rumah tangga miskin 2026-12-06" → "rumah-tangga-miskin-2026-12-06". */
export const fileName = (title: string, ext: string) =>
  `${
    title
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^\w]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 80) || 'sipmas'
  }.${ext}`;
