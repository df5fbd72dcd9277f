import { formatAmount } from '../invoices/invoices.service';
import type { StatementDocument } from './statement-document';

export const CSV_COLUMNS = [
  'date',
  'type',
  'reference',
  'description',
  'debit',
  'credit',
  'balance',
  'currency',
] as const;

/**
 * One RFC 4180 field: quoted when it holds a comma, a quote, CR or LF (quotes doubled). A text field
 * that a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, tab, CR) is prefixed with `'`;
 * amounts are numbers and keep their minus.
 */
export function csvField(value: string, { text = false } = {}): string {
  const safe = text && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * The statement as CSV (RFC 4180, CRLF line ends, UTF-8, a header line): an `opening_balance` line
 * dated `from`, one line per entry, a `closing_balance` line dated `to`. Amounts are plain decimals in
 * the currency's minor unit (`1234.50`, no grouping) so spreadsheets read them as numbers.
 */
export function renderCsv(doc: StatementDocument): Buffer {
  const amount = (minor: bigint | null) =>
    minor === null ? '' : formatAmount(minor, doc.currency, { grouping: false });
  const row = (cells: Array<[string, boolean]>) => cells.map(([v, text]) => csvField(v, { text })).join(',');
  const lines = [CSV_COLUMNS.join(',')];
  const balanceRow = (date: string, type: string, description: string, balance: bigint) =>
    row([
      [date, false],
      [type, false],
      ['', true],
      [description, true],
      ['', false],
      ['', false],
      [amount(balance), false],
      [doc.currency, false],
    ]);
  lines.push(balanceRow(doc.from, 'opening_balance', 'Opening balance', doc.openingMinor));
  for (const line of doc.lines) {
    lines.push(
      row([
        [line.date, false],
        [line.type, false],
        [line.reference, true],
        [line.description, true],
        [amount(line.debitMinor), false],
        [amount(line.creditMinor), false],
        [amount(line.balanceMinor), false],
        [doc.currency, false],
      ]),
    );
  }
  lines.push(balanceRow(doc.to, 'closing_balance', 'Closing balance', doc.closingMinor));
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
}
