// Screens follow the phone's store: a query re-read after every write (this tab's or another's).
import { useEffect, useState } from 'preact/hooks';
import { onChange } from './db';

/** `query()`'s answer, re-read whenever the store changes; undefined until the first answer. */
export function useLive<T>(query: () => Promise<T>, deps: unknown[]): T | undefined {
  const [value, setValue] = useState<T | undefined>(undefined);
  useEffect(() => {
    let alive = true;
    let seq = 0;
    const load = () => {
      const mine = ++seq;
      query().then(
        (found) => {
          if (alive && mine === seq) setValue(() => found);
        },
        (error: unknown) => console.error('field store read failed', error),
      );
    };
    load();
    const off = onChange(load);
    return () => {
      alive = false;
      off();
    };
  }, deps);
  return value;
}

/** An object URL for a blob while the component shows it (revoked after). */
export function useBlobUrl(blob: Blob | null | undefined): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!blob) {
      setUrl(null);
      return;
    }
    const made = URL.createObjectURL(blob);
    setUrl(made);
    return () => URL.revokeObjectURL(made);
  }, [blob]);
  return url;
}
