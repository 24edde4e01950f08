// Small pieces shared by the screens.
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { Link } from '../router';
import { t } from '../i18n';
import { num } from '../format';

export function Badge({
  children,
  tone = 'neutral',
}: {
  children: ComponentChildren;
  tone?: string;
}) {
  return <span class={`badge ${tone}`}>{children}</span>;
}

/** A table that may be wider than a phone: it scrolls, and the keyboard can scroll it. */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div
      class="table-wrap"
      role="region"
      aria-label={t('common.table', { name: label })}
      tabIndex={0}
    >
      {children}
    </div>
  );
}

/** Term/value pairs; empty values show a dash. */
export function Facts({ items }: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="facts">
      {items.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value === null || value === undefined || value === '' ? '—' : value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function BackLink({ href, children }: { href: string; children: string }) {
  return (
    <p class="back">
      <Link href={href}>← {children}</Link>
    </p>
  );
}

/** Links that switch a list between views (aria-current marks the one shown). */
export function Tabs({
  label,
  tabs,
  current,
}: {
  label: string;
  tabs: { href: string; key: string; text: string }[];
  current: string;
}) {
  return (
    <nav class="tabs" aria-label={label}>
      <ul>
        {tabs.map((tab) => (
          <li key={tab.key}>
            <Link href={tab.href} aria-current={tab.key === current ? 'page' : undefined}>
              {tab.text}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function Pager({
  page,
  pages,
  total,
  onPage,
}: {
  page: number;
  pages: number;
  total: number;
  onPage: (page: number) => void;
}) {
  if (pages <= 1) return null;
  return (
    <nav class="pager" aria-label={t('pager.label')}>
      <button type="button" class="secondary" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        {t('pager.previous')}
      </button>
      <span>{t('pager.position', { page: num(page), pages: num(pages), total: num(total) })}</span>
      <button
        type="button"
        class="secondary"
        disabled={page >= pages}
        onClick={() => onPage(page + 1)}
      >
        {t('pager.next')}
      </button>
    </nav>
  );
}

/** A thumbnail that opens the full photo in a modal dialog (Esc or the button closes it).
 * The full photo is fetched only when asked for: a village link may carry 1,6 Mbps. */
export function Photo({ thumb, full, alt }: { thumb: string; full: string; alt: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [opened, setOpened] = useState(false);
  const open = () => {
    setOpened(true);
    dialog.current?.showModal();
  };
  return (
    <figure class="photo">
      <button type="button" class="photo-button" onClick={open}>
        <img src={thumb} alt={alt} loading="lazy" width={160} height={120} />
      </button>
      <figcaption>{alt}</figcaption>
      <dialog ref={dialog} class="photo-dialog" aria-label={alt}>
        {opened && <img src={full} alt={alt} />}
        <form method="dialog">
          <button type="submit">{t('common.close')}</button>
        </form>
      </dialog>
    </figure>
  );
}
