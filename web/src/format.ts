// Numbers and dates as Indonesians write them: 126.000; 8,07%; 6 Desember 2026; 06/12/2026;
// 14.30 WITA. Times are shown in Kutai Timur's zone (Asia/Makassar, WITA) wherever the reader is.
import { lang, t } from './i18n';

export const TIME_ZONE = 'Asia/Makassar';
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

const integer = new Intl.NumberFormat('id-ID', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('id-ID', { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat('id-ID', { style: 'percent', maximumFractionDigits: 2 });

/** Any value from the API as plain text (objects as JSON), never "[object Object]". */
export function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return JSON.stringify(value);
}

/** 126000 → "126.000" (decimals, when there are any: 1,5). */
export function num(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return Number.isInteger(value) ? integer.format(value) : decimal.format(value);
}

/** 0.0807 → "8,07%". */
export function pct(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  return percent.format(ratio);
}

/** A change with its sign: "+1.200", "-15.000", "0". */
export function signed(value: number): string {
  if (value === 0) return '0';
  return `${value > 0 ? '+' : '-'}${num(Math.abs(value))}`;
}

/** A share of change with its sign: "+2,5%", "-10,61%". */
export function signedPct(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return '—';
  if (ratio === 0) return pct(0);
  return `${ratio > 0 ? '+' : '-'}${pct(Math.abs(ratio))}`;
}

/** ISO date-times are shown in WITA; a bare date (2026-12-06) stays that calendar day. */
function parse(value: string | Date): { date: Date; timeZone: string } {
  if (value instanceof Date) return { date: value, timeZone: TIME_ZONE };
  if (DATE_ONLY.test(value)) return { date: new Date(`${value}T00:00:00Z`), timeZone: 'UTC' };
  return { date: new Date(value), timeZone: TIME_ZONE };
}

function valid(value: string | Date | null | undefined): value is string | Date {
  return (
    value !== null &&
    value !== undefined &&
    value !== '' &&
    !Number.isNaN(parse(value).date.getTime())
  );
}

/** "6 Desember 2026" (English: "6 December 2026"). */
export function dateLong(value: string | Date | null | undefined): string {
  if (!valid(value)) return '—';
  const { date, timeZone } = parse(value);
  return new Intl.DateTimeFormat(lang() === 'en' ? 'en-GB' : 'id-ID', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone,
  }).format(date);
}

/** "06/12/2026". */
export function dateShort(value: string | Date | null | undefined): string {
  if (!valid(value)) return '—';
  const { date, timeZone } = parse(value);
  return new Intl.DateTimeFormat('id-ID', {
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    timeZone,
  }).format(date);
}

/** "14.30 WITA". */
export function time(value: string | Date | null | undefined): string {
  if (!valid(value)) return '—';
  const hm = new Intl.DateTimeFormat('id-ID', {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: TIME_ZONE,
  }).format(parse(value).date);
  return `${hm.replace(':', '.')} WITA`;
}

/** "6 Desember 2026, 14.30 WITA" (a bare date has no time). */
export function dateTime(value: string | Date | null | undefined): string {
  if (!valid(value)) return '—';
  if (typeof value === 'string' && DATE_ONLY.test(value)) return dateLong(value);
  return `${dateLong(value)}, ${time(value)}`;
}

/** The calendar day (YYYY-MM-DD) of an instant in WITA. */
export function witaDay(value: string | Date = new Date()): string {
  const { date, timeZone } = parse(value);
  const parts = new Intl.DateTimeFormat('en-CA', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    timeZone,
  }).format(date);
  return parts; // en-CA writes YYYY-MM-DD
}

/** Whole calendar days from today (WITA) to `value`: 3 = in three days, −2 = two days ago. */
export function daysFromToday(value: string, now: Date = new Date()): number {
  const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
  return Math.round((day(witaDay(value)) - day(witaDay(now))) / DAY_MS);
}

/** A due date told relative to today: "3 hari lagi", "hari ini", "terlambat 2 hari". */
export function due(value: string | null | undefined, now: Date = new Date()): string {
  if (!valid(value)) return '—';
  const days = daysFromToday(value, now);
  if (days === 0) return t('due.today');
  if (days === 1) return t('due.tomorrow');
  if (days > 0) return t('due.inDays', { n: num(days) });
  return t('due.late', { n: num(-days) });
}

/** A clock's difference told in words: "+2 hari", "−3 jam", "+5 menit" (sign: ahead/behind). */
export function offset(seconds: number): string {
  const sign = seconds < 0 ? '−' : '+';
  const abs = Math.abs(seconds);
  if (abs >= 86_400) return `${sign}${t('span.days', { n: decimal.format(abs / 86_400) })}`;
  if (abs >= 3_600) return `${sign}${t('span.hours', { n: decimal.format(abs / 3_600) })}`;
  return `${sign}${t('span.minutes', { n: num(Math.round(abs / 60)) })}`;
}

/** "1,2 MB". */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${num(bytes)} B`;
  if (bytes < 1024 * 1024) return `${decimal.format(Math.round(bytes / 102.4) / 10)} KB`;
  return `${decimal.format(Math.round(bytes / 104857.6) / 10)} MB`;
}

/** Coordinates as "0,5123; 117,4567" would be ambiguous: keep the dot and a comma between. */
export function coords(lat: number | null | undefined, lng: number | null | undefined): string {
  if (lat === null || lat === undefined || lng === null || lng === undefined) return '—';
  return `${lat.toFixed(5)}, ${lng.toFixed(5)}`;
}

/** Whole years from a birth date (YYYY-MM-DD) to today in WITA; null when unknown. */
export function age(birth: string | null | undefined, now: Date = new Date()): number | null {
  if (!birth || !DATE_ONLY.test(birth)) return null;
  const today = witaDay(now);
  const [y, m, d] = birth.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  const years = ty - y - (tm < m || (tm === m && td < d) ? 1 : 0);
  return years >= 0 ? years : null;
}
