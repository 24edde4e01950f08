// All words of the interface. Keys are English; `id` is the source table, `en` must have every
// key (a missing one is a type error), and t() only takes keys that exist.
import { id } from './id';
import { en } from './en';
import type { Labelled, LocalText } from '../api/types';

export type Lang = 'id' | 'en';
export type Key = keyof typeof id;
export type Vars = Record<string, string | number>;

const tables: Record<Lang, Record<Key, string>> = { id, en };
const STORAGE = 'sipmas.lang';

function stored(): Lang {
  try {
    return localStorage.getItem(STORAGE) === 'en' ? 'en' : 'id';
  } catch {
    return 'id'; // storage blocked: Bahasa Indonesia first
  }
}

let current: Lang = stored();
const listeners = new Set<() => void>();

export const lang = (): Lang => current;

export function setLang(next: Lang): void {
  current = next;
  try {
    localStorage.setItem(STORAGE, next);
  } catch {
    // remembered for this page only
  }
  document.documentElement.lang = next;
  listeners.forEach((listener) => listener());
}

export function onLangChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The text of `key` in the current language; `{name}` placeholders filled from `vars`. */
export function t(key: Key, vars?: Vars): string {
  const text = tables[current][key];
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

/** The current language's half of a text the API sends in both. */
export function pick(text: LocalText | null | undefined): string {
  if (!text) return '';
  return (current === 'en' ? text.en : text.id) || text.id || text.en || '';
}

/** The current language's label of something labelled by the API. */
export const labelOf = (item: Labelled): string =>
  (current === 'en' ? item.label_en : item.label_id) || item.label_id || item.label_en;

/** Code vocabularies that have a label in the tables ("welfare.miskin", "role.admin", ...). */
export type CodeGroup =
  | 'welfare'
  | 'status'
  | 'taskState'
  | 'referralState'
  | 'role'
  | 'relation'
  | 'marital'
  | 'reason'
  | 'sex'
  | 'source'
  | 'outcome'
  | 'need'
  | 'importStatus'
  | 'importStage'
  | 'decision'
  | 'tab'
  | 'severity'
  | 'figure'
  | 'photoKind'
  | 'nikCheck'
  | 'field'
  | 'agencyAction';

/** The label of a code of `group`, or the code itself when the tables have none. */
export function codeLabel(group: CodeGroup, code: string | null | undefined): string {
  if (code === null || code === undefined || code === '') return '—';
  const key = `${group}.${code}`;
  const table = tables[current] as Record<string, string>;
  if (key in table) return table[key]!;
  if (group === 'need' && code.startsWith('pmks.')) return `PMKS: ${code.slice(5)}`;
  return code;
}

/** Every code of `group` that has a label, in table order (for select lists). */
export function codesOf(group: CodeGroup): string[] {
  const prefix = `${group}.`;
  return Object.keys(id)
    .filter((key) => key.startsWith(prefix))
    .map((key) => key.slice(prefix.length));
}
