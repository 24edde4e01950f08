// Times as the phone's own clock tells them (the server records that clock beside its own and
// flags a wrong one): ISO 8601 with the phone's UTC offset, "2026-12-06T10:15:00.000+08:00".

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

export function isoLocal(date: Date = new Date()): string {
  const offset = -date.getTimezoneOffset(); // minutes east of UTC
  const sign = offset >= 0 ? '+' : '-';
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `.${pad(date.getMilliseconds(), 3)}${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`
  );
}

/** A coordinate kept to 6 decimals (about 0,1 m: finer than any phone's GPS), so no float
 * tail such as 0.5269900000000001 is stored. */
export const degrees6 = (value: number): number => Math.round(value * 1e6) / 1e6;

/** The phone's clock now, as the visit records it. */
export const phoneNow = (): string => isoLocal(new Date());
