// Requests made ahead of time: opening a page, the app asks for its data while it is still
// finding out who is signed in and fetching the page's code, and the page then takes the answer
// instead of asking again (once, while fresh). A refused request (signed out) is just dropped.
const FRESH_MS = 30_000;
const waiting = new Map<string, { at: number; answer: Promise<unknown> }>();

export function ahead(key: string, load: () => Promise<unknown>): void {
  const answer = load();
  answer.catch(() => undefined);
  waiting.set(key, { at: Date.now(), answer });
}

/** The answer asked ahead for `key` — once, while fresh — else `fresh()`. */
export function takeAhead<T>(key: string, fresh: () => Promise<T>): Promise<T> {
  const found = waiting.get(key);
  waiting.delete(key);
  if (!found || Date.now() - found.at > FRESH_MS) return fresh();
  return (found.answer as Promise<T>).catch(() => fresh());
}
