import type { ComponentChildren } from 'preact';

export interface Column {
  /** The header text; wrap it in <span class="visually-hidden"> for a column of buttons. */
  label: ComponentChildren;
  /** The header cell's class: 'num' over a column of numbers, as its cells say too. */
  class?: string;
}

/**
 * A scrollable table: a header row of `columns` (`false` leaves one out), then `row(item)` for each of `rows`
 * (the renderer writes whole <tr>s, keys included). Without rows and with an `empty` text: that text instead.
 */
export function DataTable<T>({
  columns,
  rows,
  row,
  empty,
}: {
  columns: Array<Column | false>;
  rows: T[];
  row: (item: T, index: number) => ComponentChildren;
  empty?: string;
}) {
  if (!rows.length && empty) return <p class="empty">{empty}</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            {columns.map(
              (column) =>
                column && (
                  <th scope="col" class={column.class}>
                    {column.label}
                  </th>
                ),
            )}
          </tr>
        </thead>
        <tbody>{rows.map(row)}</tbody>
      </table>
    </div>
  );
}
