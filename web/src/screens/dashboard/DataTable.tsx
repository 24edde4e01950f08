import type { Cell, TableData } from '../../charts';
import { num } from '../../format';
import { TableWrap } from '../../ui/bits';

const show = (cell: Cell) => (typeof cell === 'number' ? num(cell) : (cell ?? '—'));
/** Counts and shares line up on the right. */
const figure = (cell: Cell) =>
  typeof cell === 'number' || (typeof cell === 'string' && /^[+-]?[\d.,]+%$/.test(cell));

/** A figures table: first column names the row, numbers right-aligned with Indonesian dots. */
export function DataTable({ table }: { table: TableData }) {
  return (
    <TableWrap label={table.title}>
      <table>
        <caption>{table.title}</caption>
        <thead>
          <tr>
            {table.columns.map((c, i) => (
              <th scope="col" key={c} class={figure(table.rows[0]?.[i]) ? 'num' : undefined}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, r) => (
            <tr key={r}>
              {row.map((cell, i) =>
                i === 0 ? (
                  <th scope="row" key={i}>
                    {show(cell)}
                  </th>
                ) : (
                  <td key={i} class={figure(cell) ? 'num' : undefined}>
                    {show(cell)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
