// The one place that hands content to Leaflet popups: DOM nodes whose text is set with
// textContent, never an HTML string (desa names come from imported files).
import type { Layer } from 'leaflet';

export interface PopupLink {
  text: string;
  href: string;
  onFollow: (href: string) => void;
}

/** More lines that arrive after the popup opens (a desa's households, for roles that may). */
export interface PopupMore {
  title: string;
  loading: string;
  empty: string;
  load: () => Promise<PopupLink[]>;
}

function anchor(link: PopupLink): HTMLAnchorElement {
  const a = document.createElement('a');
  a.href = link.href;
  a.textContent = link.text;
  a.addEventListener('click', (event) => {
    event.preventDefault();
    link.onFollow(link.href);
  });
  return a;
}

/** A popup's content: a title, "label: value" lines, and maybe a link, as text nodes. */
export function popupContent(
  title: string,
  lines: [string, string][],
  link?: PopupLink,
  more?: PopupMore,
): HTMLElement {
  const root = document.createElement('div');
  root.className = 'map-popup';
  const heading = document.createElement('p');
  heading.className = 'map-popup-title';
  heading.textContent = title;
  root.append(heading);
  const list = document.createElement('dl');
  for (const [label, value] of lines) {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value;
    list.append(dt, dd);
  }
  root.append(list);
  if (more) {
    const heading = document.createElement('p');
    heading.className = 'map-popup-subtitle';
    heading.textContent = more.title;
    const status = document.createElement('p');
    status.className = 'meta';
    status.textContent = more.loading;
    const list = document.createElement('ul');
    list.className = 'map-popup-list';
    root.append(heading, status, list);
    more.load().then(
      (links) => {
        status.textContent = links.length ? '' : more.empty;
        for (const item of links) {
          const li = document.createElement('li');
          li.append(anchor(item));
          list.append(li);
        }
      },
      () => {
        status.textContent = more.empty;
      },
    );
  }
  if (link) {
    const p = document.createElement('p');
    p.append(anchor(link));
    root.append(p);
  }
  return root;
}

/** Binds a popup built on opening (so it shows the figures of that moment). */
export function bindTextPopup(layer: Layer, build: () => HTMLElement): void {
  layer.bindPopup(() => build(), { maxWidth: 280 });
}

/** A tooltip with the area's name, as a text node. */
export function bindTextTooltip(layer: Layer, text: string): void {
  const span = document.createElement('span');
  span.textContent = text;
  layer.bindTooltip(span, { sticky: true });
}
