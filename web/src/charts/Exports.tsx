import type { RefObject } from 'preact';
import { t } from '../i18n';
import { announce } from '../status';
import { download, fileName, svgToPng, tableToPng, toCsv, type TableData } from './exporting';

/** "CSV" and "PNG" buttons for a table or a chart (the chart's PNG is its SVG drawn). */
export function Exports({
  table,
  svg,
}: {
  table: TableData;
  svg?: RefObject<SVGSVGElement | null> | undefined;
}) {
  const pngOf = async () => {
    try {
      const blob = svg?.current
        ? await svgToPng(svg.current, table.title)
        : await tableToPng(table);
      download(blob, fileName(table.title, 'png'));
    } catch {
      announce(t('export.failed'), 'error');
    }
  };
  return (
    <div class="exports">
      <button
        type="button"
        class="secondary small"
        onClick={() => download(toCsv(table), fileName(table.title, 'csv'))}
      >
        {t('export.csv')}
        <span class="visually-hidden">: {table.title}</span>
      </button>
      <button type="button" class="secondary small" onClick={() => void pngOf()}>
        {t('export.png')}
        <span class="visually-hidden">: {table.title}</span>
      </button>
    </div>
  );
}
