// The part of Kutim a person works in, for choosers (the server checks the scope again).
import type { Areas, Kecamatan, Me } from './api/types';

/** Kecamatan (with their desa) the person may choose from; everything for the whole district. */
export function scopedAreas(user: Me, areas: Areas | null): Kecamatan[] {
  if (!areas) return [];
  if (!user.kecamatan_codes.length && !user.desa_codes.length) return areas.kecamatan;
  return areas.kecamatan
    .map((k) =>
      user.kecamatan_codes.includes(k.code)
        ? k
        : { ...k, desa: k.desa.filter((d) => user.desa_codes.includes(d.code)) },
    )
    .filter((k) => k.desa.length > 0);
}

/** Whether the person may open the household search of a desa (map popups link to it). */
export function maySearchDesa(user: Me, desaCode: string): boolean {
  if (user.role === 'admin') return true;
  if (user.role === 'supervisor') {
    return (
      (!user.kecamatan_codes.length && !user.desa_codes.length) ||
      user.desa_codes.includes(desaCode) ||
      user.kecamatan_codes.some((k) => desaCode.startsWith(`${k}.`))
    );
  }
  return user.role === 'operator' && user.desa_codes.includes(desaCode);
}
