import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { takeFocusRequest } from '../router';

interface Props {
  title: string;
  /** Shown above the heading, e.g. a link back to the list. */
  before?: ComponentChildren;
  children?: ComponentChildren;
  /** The window title's second half: the application's name. */
  site?: string;
}

/** A screen: its <h1> names it, sets the window title and takes the focus after navigation. */
export function Page({ title, before, children, site = 'SIPMAS Kutai Timur' }: Props) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (takeFocusRequest()) heading.current?.focus();
  }, []);
  useEffect(() => {
    document.title = `${title} — ${site}`;
  }, [title, site]);
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
