/** A table that scrolls sideways on a phone: a caption (its accessible name), columns, one row per item. */
import type { ReactNode } from 'react';

export interface Column<T> {
  label: string;
  cell: (row: T) => ReactNode;
  /** The cell that names the row (read out by screen readers with each cell). */
  rowHeader?: boolean;
}

interface Props<T> {
  caption?: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T, index: number) => string | number;
}

export const orDash = (value: ReactNode) => (value == null || value === '' ? '—' : value);

export function DataTable<T>({ caption, columns, rows, rowKey }: Props<T>) {
  return (
    <div className="scroll" tabIndex={0} role="group" aria-label={`Scrollable table${caption ? `: ${caption}` : ''}`}>
      <table>
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.label} scope="col">
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={rowKey(row, i)}>
              {columns.map((c) =>
                c.rowHeader ? (
                  <th key={c.label} scope="row">
                    {c.cell(row)}
                  </th>
                ) : (
                  <td key={c.label}>{c.cell(row)}</td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
