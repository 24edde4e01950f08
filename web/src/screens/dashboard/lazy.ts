import type { RefObject } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** A module loaded once by dynamic import, null until it is there. */
export function useModule<T>(load: () => Promise<T>, when = true): T | null {
  const [module, setModule] = useState<T | null>(null);
  useEffect(() => {
    if (!when || module) return;
    let live = true;
    void load().then((m) => live && setModule(() => m));
    return () => {
      live = false;
    };
  }, [when]);
  return module;
}

/** True once the element comes near the screen (the map loads only then). */
export function useNearScreen(ref: RefObject<Element | null>): boolean {
  const [near, setNear] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el || near) return;
    if (!('IntersectionObserver' in window)) return setNear(true);
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          setNear(true);
          observer.disconnect();
        }
      },
      { rootMargin: '200px' },
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref.current]);
  return near;
}
