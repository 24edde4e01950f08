// Reference data changes rarely: each list is fetched once per page load and shared.
import { get } from './client';
import type { Areas, Opd, Pmks, Questionnaire, SiteConfig } from './types';

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | null = null;
  return () => {
    promise ??= load().catch((error: unknown) => {
      promise = null; // let the next caller try again
      throw error;
    });
    return promise;
  };
}

export const areas = once(() => get<Areas>('/reference/areas'));
export const agencies = once(() => get<{ opd: Opd[] }>('/reference/opd').then((r) => r.opd));
export const pmksList = once(() => get<{ pmks: Pmks[] }>('/reference/pmks').then((r) => r.pmks));
export const questionnaire = once(() => get<Questionnaire>('/questionnaire'));

/** GET /config.json: optional site settings (map tiles); absent or unreadable means none. */
export const siteConfig = once(async (): Promise<SiteConfig> => {
  try {
    const response = await fetch('/config.json', { credentials: 'same-origin' });
    if (!response.ok) return {};
    return (await response.json()) as SiteConfig;
  } catch {
    return {};
  }
});
