// The Kutim map (Leaflet, loaded only when the dashboard shows it): kecamatan or desa polygons
// coloured by a figure, on a plain background unless /config.json names a tile server.
import { useEffect, useRef, useState } from 'preact/hooks';
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import type { Feature, Geometry } from 'geojson';
import { boundaries, type AreaProps } from './boundaries';
import { siteConfig } from '../api/reference';
import { t } from '../i18n';
import {
  bindTextPopup,
  bindTextTooltip,
  popupContent,
  type PopupLink,
  type PopupMore,
} from './popup';
import type { Scale } from './colors';

type Area = Feature<Geometry, AreaProps>;
export type { AreaProps };

/** Attribution text from the site's config, kept as text (Leaflet writes it as HTML). */
const escapeText = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface MapProps {
  level: 'kecamatan' | 'desa';
  scale: Scale;
  value: (code: string) => number | null;
  /** The popup's lines for an area. */
  describe: (area: AreaProps) => [string, string][];
  link: (area: AreaProps) => PopupLink | undefined;
  /** Lines that load when the popup opens (a desa's households). */
  more: (area: AreaProps) => PopupMore | undefined;
  /** An area chosen outside the map (the select below it): open its popup. */
  focus: string | null;
}

export default function MapView({ level, scale, value, describe, link, more, focus }: MapProps) {
  const box = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const layer = useRef<L.GeoJSON | null>(null);
  const [failed, setFailed] = useState(false);
  // the latest callbacks, for popups built on opening
  const props = useRef({ describe, link, more });
  props.current = { describe, link, more };

  useEffect(() => {
    if (!box.current) return;
    const m = L.map(box.current, {
      zoomSnap: 0.25,
      minZoom: 6,
      maxZoom: 13,
      attributionControl: true,
    });
    m.attributionControl.setPrefix('Leaflet');
    m.setView([1.0, 117.4], 8);
    map.current = m;
    void siteConfig().then((config) => {
      if (!config.tileUrl) return;
      L.tileLayer(config.tileUrl, {
        maxZoom: config.tileMaxZoom ?? 13,
        attribution: escapeText(config.tileAttribution ?? ''),
      }).addTo(m);
    });
    return () => {
      map.current = null;
      m.stop(); // a pan or zoom still running would touch the removed panes
      m.off();
      m.remove();
    };
  }, []);

  useEffect(() => {
    let live = true;
    boundaries(level).then(
      (data) => {
        const m = map.current;
        if (!live || !m) return;
        layer.current?.remove();
        const geoLayer = L.geoJSON(data, {
          style: (f) => ({
            color: '#1b1b1b',
            weight: level === 'desa' ? 0.6 : 1.2,
            fillOpacity: 0.85,
            fillColor: scale.color(value((f as Area).properties.kode)),
          }),
          onEachFeature: (f: Area, l) => {
            const area = f.properties;
            bindTextTooltip(l, area.nama);
            bindTextPopup(l, () =>
              popupContent(
                area.nama,
                props.current.describe(area),
                props.current.link(area),
                props.current.more(area),
              ),
            );
          },
        }).addTo(m);
        layer.current = geoLayer;
        if (!m.getBounds().intersects(geoLayer.getBounds()) || m.getZoom() === 8)
          m.fitBounds(geoLayer.getBounds(), { padding: [8, 8], animate: false });
      },
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [level, scale]);

  useEffect(() => {
    if (!focus || !layer.current) return;
    layer.current.eachLayer((l) => {
      const f = (l as L.Polygon).feature as Area | undefined;
      if (f?.properties.kode === focus) (l as L.Polygon).openPopup();
    });
  }, [focus]);

  return (
    <>
      <div ref={box} class="map" role="region" aria-label={t('map.label')} />
      {failed && <p class="field-error">{t('map.failed')}</p>}
    </>
  );
}
