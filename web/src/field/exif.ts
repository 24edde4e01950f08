// A photo's own EXIF time and place, read from the camera's original bytes before the phone
// compresses it (the canvas drops EXIF). Only what the server judges: DateTimeOriginal (with
// OffsetTimeOriginal when the camera wrote one) and GPSLatitude/GPSLongitude.
import { degrees6 } from './clock';

export interface Exif {
  time: string | null; // ISO 8601
  latitude: number | null;
  longitude: number | null;
}

const NONE: Exif = { time: null, latitude: null, longitude: null };
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8 };

interface Entry {
  type: number;
  count: number;
  at: number; // where the value starts (in the TIFF block)
}

class Tiff {
  constructor(
    readonly view: DataView,
    readonly little: boolean,
  ) {}
  u16 = (at: number) => this.view.getUint16(at, this.little);
  u32 = (at: number) => this.view.getUint32(at, this.little);

  /** The entries of the IFD at `offset`, by tag. */
  ifd(offset: number): Map<number, Entry> {
    const entries = new Map<number, Entry>();
    if (offset <= 0 || offset + 2 > this.view.byteLength) return entries;
    const count = this.u16(offset);
    for (let i = 0; i < count; i++) {
      const base = offset + 2 + i * 12;
      if (base + 12 > this.view.byteLength) break;
      const type = this.u16(base + 2);
      const n = this.u32(base + 4);
      const size = (TYPE_SIZE[type] ?? 1) * n;
      const at = size <= 4 ? base + 8 : this.u32(base + 8);
      if (at + size <= this.view.byteLength) entries.set(this.u16(base), { type, count: n, at });
    }
    return entries;
  }

  text(entry: Entry | undefined): string | null {
    if (!entry || entry.type !== 2) return null;
    let out = '';
    for (let i = 0; i < entry.count; i++) {
      const c = this.view.getUint8(entry.at + i);
      if (c === 0) break;
      out += String.fromCharCode(c);
    }
    return out.trim() || null;
  }

  rationals(entry: Entry | undefined): number[] | null {
    if (!entry || (entry.type !== 5 && entry.type !== 10)) return null;
    const out: number[] = [];
    for (let i = 0; i < entry.count; i++) {
      const at = entry.at + i * 8;
      const signed = entry.type === 10;
      const num = signed ? this.view.getInt32(at, this.little) : this.u32(at);
      const den = signed ? this.view.getInt32(at + 4, this.little) : this.u32(at + 4);
      out.push(den === 0 ? 0 : num / den);
    }
    return out;
  }

  long(entry: Entry | undefined): number | null {
    if (!entry) return null;
    if (entry.type === 4) return this.u32(entry.at);
    if (entry.type === 3) return this.u16(entry.at);
    return null;
  }
}

/** "2026:12:06 10:15:00" (+ "+08:00") → ISO; without an offset the phone's own zone is meant
 * (a phone's camera writes its own clock). */
export function exifTime(value: string | null, offset: string | null): string | null {
  const m = value && /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (!y || !mo || !d) return null; // "0000:00:00 00:00:00": the camera did not know
  if (offset && /^[+-]\d{2}:\d{2}$/.test(offset)) {
    const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${offset}`;
    return Number.isNaN(Date.parse(iso)) ? null : new Date(iso).toISOString();
  }
  const local = new Date(y, mo - 1, d, h, mi, s);
  return Number.isNaN(local.getTime()) ? null : local.toISOString();
}

function degrees(parts: number[] | null, ref: string | null, negative: string): number | null {
  if (!parts || parts.length < 1) return null;
  const [deg = 0, min = 0, sec = 0] = parts;
  const value = degrees6(deg + min / 60 + sec / 3600);
  if (!Number.isFinite(value)) return null;
  return ref?.toUpperCase().startsWith(negative) ? -value : value;
}

/** The EXIF of a JPEG's bytes; nothing when there is none (or it is not a JPEG). */
export function readExif(buffer: ArrayBuffer): Exif {
  const view = new DataView(buffer);
  if (view.byteLength < 4 || view.getUint16(0) !== 0xffd8) return NONE;
  let at = 2;
  while (at + 4 <= view.byteLength) {
    if (view.getUint8(at) !== 0xff) return NONE;
    const marker = view.getUint8(at + 1);
    if (marker === 0xd9 || marker === 0xda) return NONE; // end, or image data: no EXIF before
    const length = view.getUint16(at + 2);
    const exifHeader =
      marker === 0xe1 &&
      at + 10 <= view.byteLength &&
      view.getUint32(at + 4) === 0x45786966 && // "Exif"
      view.getUint16(at + 8) === 0;
    if (exifHeader) {
      const start = at + 10;
      const end = Math.min(view.byteLength, at + 2 + length);
      try {
        return parseTiff(new DataView(buffer, start, end - start));
      } catch {
        return NONE; // a broken EXIF block: the photo is still a photo
      }
    }
    at += 2 + length;
  }
  return NONE;
}

function parseTiff(view: DataView): Exif {
  const order = view.getUint16(0);
  if (order !== 0x4949 && order !== 0x4d4d) return NONE;
  const tiff = new Tiff(view, order === 0x4949);
  if (tiff.u16(2) !== 42) return NONE;
  const ifd0 = tiff.ifd(tiff.u32(4));
  const exifIfd = tiff.ifd(tiff.long(ifd0.get(0x8769)) ?? 0);
  const gpsIfd = tiff.ifd(tiff.long(ifd0.get(0x8825)) ?? 0);
  const time = exifTime(
    tiff.text(exifIfd.get(0x9003)) ?? tiff.text(ifd0.get(0x0132)),
    tiff.text(exifIfd.get(0x9011)) ?? tiff.text(exifIfd.get(0x9010)),
  );
  let latitude = degrees(tiff.rationals(gpsIfd.get(2)), tiff.text(gpsIfd.get(1)), 'S');
  let longitude = degrees(tiff.rationals(gpsIfd.get(4)), tiff.text(gpsIfd.get(3)), 'W');
  const sane =
    latitude !== null &&
    longitude !== null &&
    Math.abs(latitude) <= 90 &&
    Math.abs(longitude) <= 180 &&
    !(latitude === 0 && longitude === 0); // 0,0: a camera without a fix
  if (!sane) latitude = longitude = null;
  return { time, latitude, longitude };
}
