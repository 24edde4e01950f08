// Small pieces of the field app's screens.
import type { ComponentChildren } from 'preact';
import type { LocalText } from '../api/types';
import { pick } from '../i18n';
import { Page } from '../ui/Page';
import type { ItemState } from './types';
import { w } from './words';

/** A screen of the field app: the main app's Page, its window title naming the field app. */
export function Screen(props: {
  title: string;
  before?: ComponentChildren;
  children?: ComponentChildren;
}) {
  return <Page {...props} site={w('app.name')} />;
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
