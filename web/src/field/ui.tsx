// Small pieces of the field app's screens.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { LocalText } from '../api/types';
import { pick, t } from '../i18n';
import { takeFocusRequest } from '../router';
import type { ItemState } from './types';
import { w } from './words';

/** A screen: its <h1> names it, sets the window title and takes the focus after navigation. */
export function Screen({
  title,
  before,
  children,
}: {
  title: string;
  before?: ComponentChildren;
  children?: ComponentChildren;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (takeFocusRequest()) heading.current?.focus();
  }, []);
  useEffect(() => {
    document.title = `${title} — ${w('app.name')}`;
  }, [title]);
  return (
    <div class="page">
      {before}
      <h1 tabIndex={-1} ref={heading}>
        {title}
      </h1>
      {children}
    </div>
  );
}

const TONE: Record<ItemState, string> = {
  draft: 'neutral',
  waiting: 'warn',
  sending: 'info',
  sent: 'ok',
  refused: 'strong',
};

export function StateBadge({ state, label }: { state: ItemState; label?: string }) {
  return <span class={`badge state-${state} ${TONE[state]}`}>{label ?? w(`state.${state}`)}</span>;
}

export function Alert({
  tone,
  children,
  role,
}: {
  tone: 'info' | 'error' | 'warn' | 'success';
  children: ComponentChildren;
  role?: 'alert' | 'status';
}) {
  return (
    <div class={`alert ${tone}`} role={role}>
      {children}
    </div>
  );
}

export const said = (text: LocalText | null | undefined) => pick(text);

/** A form's errors at its top, each a link to its field; it takes the focus after a submit
 * (`attempt` changes), not while the verifier fixes them one by one. */
export function ErrorSummary({
  items,
  attempt,
}: {
  items: { id: string; label: string; messages: string[] }[];
  attempt: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (attempt) box.current?.focus();
  }, [attempt]);
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
