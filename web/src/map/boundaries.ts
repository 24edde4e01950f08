// The map's boundaries (public/geo/, simplified, gzip on the wire): fetched once per level and
// shared; the dashboard asks for them as it opens, before Leaflet itself has arrived.
import type { FeatureCollection, Geometry } from 'geojson';

export interface AreaProps {
  kode: string;
  nama: string;
  kode_kec?: string;
  nama_kec?: string;
  jenis?: string;
}
export type Level = 'kecamatan' | 'desa';

const geo = new Map<Level, Promise<FeatureCollection<Geometry, AreaProps>>>();

export function boundaries(level: Level): Promise<FeatureCollection<Geometry, AreaProps>> {
  let found = geo.get(level);
  if (!found) {
    found = fetch(`/geo/${level}.json`).then((r) => {
      if (!r.ok) throw new Error(`geo ${r.status}`);
      return r.json() as Promise<FeatureCollection<Geometry, AreaProps>>;
    });
    found.catch(() => geo.delete(level)); // the next caller tries again
    geo.set(level, found);
  }
  return found;
}
