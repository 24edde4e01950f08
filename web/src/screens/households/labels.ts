import { codeLabel, t } from '../../i18n';

export const sourcesText = (sources: string[] | null | undefined) =>
  (sources ?? []).map((s) => codeLabel('source', s)).join(', ') || '—';

export const rtRw = (rt: string | null | undefined, rw: string | null | undefined) =>
  rt || rw ? `RT ${rt || '—'} / RW ${rw || '—'}` : '—';

/** A value's file: its name, or for a Pemda entry ("pemda:<user>") who entered it. */
export function fileText(filename: string | null | undefined): string {
  if (!filename) return '—';
  if (filename.startsWith('pemda:')) return t('provenance.pemdaEntry', { who: filename.slice(6) });
  return filename;
}
