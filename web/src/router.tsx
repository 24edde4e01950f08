// A small path router: history API, <Link>, patterns with :params. After each navigation the
// new page's heading takes the focus (ui/Page.tsx), so screen readers hear where they are.
import type { AnchorHTMLAttributes, ComponentChildren, TargetedMouseEvent } from 'preact';
import { createStore, useStore } from './store';

export interface Location {
  path: string;
  search: string;
}

const read = (): Location => ({ path: window.location.pathname, search: window.location.search });
export const location = createStore<Location>(read());

let focusPending = false;
/** True once after a navigation: the page heading then takes the focus. */
export function takeFocusRequest(): boolean {
  const pending = focusPending;
  focusPending = false;
  return pending;
}

window.addEventListener('popstate', () => {
  focusPending = true;
  location.set(read());
});

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const target = new URL(to, window.location.origin);
  if (target.origin !== window.location.origin) return;
  const href = target.pathname + target.search + target.hash;
  if (options.replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  focusPending = true;
  window.scrollTo(0, 0);
  location.set(read());
}

/** Query parameters of the current location (for screens that keep their filters in the URL). */
export function useQuery(): URLSearchParams {
  return new URLSearchParams(useStore(location).search);
}

/** Replace the query string without a new history entry or moving the focus. */
export function setQuery(values: Record<string, string | null | undefined>): void {
  const params = new URLSearchParams(window.location.search);
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined || value === '') params.delete(key);
    else params.set(key, value);
  }
  const search = params.toString();
  window.history.replaceState(null, '', `${window.location.pathname}${search ? `?${search}` : ''}`);
  location.set(read());
}

/** `/households/:id` against `/households/12` → { id: '12' }; null when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i]!;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(have[i]!);
    else if (part !== have[i]) return null;
  }
  return params;
}

/** A same-origin path to return to after sign-in, or null (no open redirects). */
export function safeNext(next: string | null): string | null {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/signin')) {
    return null;
  }
  return next;
}

type AnchorProps = AnchorHTMLAttributes<HTMLAnchorElement> & {
  href: string;
  children?: ComponentChildren;
};

export function Link({ href, onClick, children, ...rest }: AnchorProps) {
  const handle = (event: TargetedMouseEvent<HTMLAnchorElement>) => {
    if (typeof onClick === 'function') onClick(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    ) {
      return;
    }
    event.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={handle} {...rest}>
      {children}
    </a>
  );
}
