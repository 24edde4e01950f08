// Field errors of the API, found by path ("members.0.nik") and told in the current language.
import type { FieldErrors, FieldMessages } from '../api/client';
import type { LocalText } from '../api/types';
import { lang, pick } from '../i18n';
import { fromServer } from '../i18n/server';

function isMessages(value: unknown): value is FieldMessages {
  return Array.isArray(value);
}

function localize(message: string | LocalText): string {
  if (typeof message !== 'string') return pick(message);
  return fromServer(message, lang());
}

/** The messages at `path`, or undefined. A path may name a branch: its messages are gathered. */
export function errorsAt(
  fields: FieldErrors | null | undefined,
  path: string,
): string[] | undefined {
  let node: FieldErrors | FieldMessages | undefined = fields ?? undefined;
  for (const part of path.split('.')) {
    if (!node || isMessages(node)) return undefined;
    node = node[part];
  }
  if (!node) return undefined;
  if (isMessages(node)) return node.map(localize);
  const all = flatten(node).flatMap((entry) => entry.messages);
  return all.length ? all : undefined;
}

/** Every error as (path, messages), for an error summary. */
export function flatten(
  fields: FieldErrors | null | undefined,
  prefix = '',
): { path: string; messages: string[] }[] {
  if (!fields) return [];
  return Object.entries(fields).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isMessages(value)) return [{ path, messages: value.map(localize) }];
    if (typeof value === 'string') return [{ path, messages: [localize(value)] }];
    return flatten(value, path);
  });
}
