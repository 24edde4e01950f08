// Errors, loading, empty lists, and the live region.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../api/client';
import { pick, t } from '../i18n';
import { statusMessage } from '../status';
import { useStore } from '../store';

/** An API error in the reader's language, with the request id support staff ask for. */
export function ErrorBox({ error, focus }: { error: ApiError | null; focus?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (error && focus) box.current?.focus();
  }, [error, focus]);
  if (!error) return null;
  return (
    <div class="alert error" role="alert" tabIndex={-1} ref={box}>
      <p>{pick(error.message)}</p>
      {error.requestId && <p class="small">{t('error.requestId', { id: error.requestId })}</p>}
    </div>
  );
}

/** A form's errors listed at its top, each a link to its field. It takes the focus when they
 * change — or, given `attempt`, after each submit only (not while they are fixed one by one). */
export function ErrorSummary({
  items,
  attempt,
}: {
  items: { id: string; label: string; messages: string[] }[];
  attempt?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const focusOn = attempt ?? items;
  useEffect(() => {
    if (items.length && focusOn) box.current?.focus();
  }, [focusOn]);
  if (!items.length) return null;
  return (
    <div class="alert error" role="alert" tabIndex={-1} ref={box}>
      <h2 class="h3">{t('form.errorsTitle', { n: items.length })}</h2>
      <ul>
        {items.map((item) => (
          <li key={item.id}>
            <a href={`#${item.id}`}>
              {item.label}: {item.messages.join(' ')}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function Loading({ label }: { label?: string }) {
  return (
    <p class="loading" role="status">
      {label ?? t('common.loading')}
    </p>
  );
}

export function Empty({ children }: { children: string }) {
  return <p class="empty">{children}</p>;
}

/** The polite live region: status messages are read out and shown for a few seconds. */
export function LiveRegion() {
  const message = useStore(statusMessage);
  const [visible, setVisible] = useState(false);
  useEffect(() => {
    if (!message) return;
    setVisible(true);
    const timer = window.setTimeout(() => setVisible(false), 6000);
    return () => window.clearTimeout(timer);
  }, [message]);
  return (
    <div class="live" aria-live="polite" aria-atomic="true">
      {message && visible ? (
        <p class={`toast ${message.kind}`} key={message.at}>
          {message.text}
        </p>
      ) : null}
    </div>
  );
}
