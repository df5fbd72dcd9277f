import PDFDocument from 'pdfkit';
import { formatAmount, formatMoney } from '../invoices/invoices.service';
import type { StatementAddress, StatementDocument, StatementLine } from './statement-document';

/**
 * The PDF layout, in points on A4 portrait. Every table row has the same height (text is cut to its
 * column, never wrapped), so how many pages a statement takes follows from these numbers alone
 * (statementPages); the renderer lays pages out with the same function.
 */
export const PAGE = { width: 595.28, height: 841.89, margin: 40 } as const;
/** Where the table may run to: above the page footer ("Page X of Y"). */
export const CONTENT_BOTTOM = PAGE.height - 50;
export const FOOTER_Y = PAGE.height - 32;
export const ROW_HEIGHT = 14;
export const TABLE_HEADER_HEIGHT = 18;
/** The table's top on the first page (under the company header, customer block and period). */
export const FIRST_PAGE_TABLE_TOP = 250;
/** The table's top on later pages (under a one-line running header). */
export const NEXT_PAGE_TABLE_TOP = 80;
/** Table rows on the first page and on each later page. */
export const ROWS_FIRST_PAGE = Math.floor(
  (CONTENT_BOTTOM - FIRST_PAGE_TABLE_TOP - TABLE_HEADER_HEIGHT) / ROW_HEIGHT,
);
export const ROWS_PER_PAGE = Math.floor(
  (CONTENT_BOTTOM - NEXT_PAGE_TABLE_TOP - TABLE_HEADER_HEIGHT) / ROW_HEIGHT,
);
/** Room the totals and the aging summary take after the table, in row heights. */
export const SUMMARY_ROWS = 12;

/** The table has the opening-balance row, then one row per statement line. */
export const tableRows = (lineCount: number): number => lineCount + 1;

export interface PageLayout {
  /** Table rows on this page: [start, end) of 0…tableRows. */
  rows: [number, number];
  /** The totals and aging summary go on this page (the last). */
  summary: boolean;
}

/**
 * The pages of a statement of `lineCount` lines: the table fills the first page's rows, then each later
 * page's; the summary follows the last row when SUMMARY_ROWS rows are still free on that page, else it
 * has a page of its own.
 */
export function layoutPages(lineCount: number): PageLayout[] {
  const rows = tableRows(lineCount);
  const pages: PageLayout[] = [];
  let start = 0;
  let capacity = ROWS_FIRST_PAGE;
  for (;;) {
    const end = Math.min(rows, start + capacity);
    pages.push({ rows: [start, end], summary: false });
    if (end === rows) {
      if (capacity - (end - start) >= SUMMARY_ROWS) pages[pages.length - 1].summary = true;
      else pages.push({ rows: [end, end], summary: true });
      return pages;
    }
    start = end;
    capacity = ROWS_PER_PAGE;
  }
}

export const statementPages = (lineCount: number): number => layoutPages(lineCount).length;

/** Table columns: x from the left margin, widths summing to the content width. */
const COLUMNS = [
  { key: 'date', title: 'Date', width: 58, align: 'left' },
  { key: 'type', title: 'Type', width: 50, align: 'left' },
  { key: 'reference', title: 'Reference', width: 72, align: 'left' },
  { key: 'description', title: 'Description', width: 159.28, align: 'left' },
  { key: 'debit', title: 'Debit', width: 58, align: 'right' },
  { key: 'credit', title: 'Credit', width: 58, align: 'right' },
  { key: 'balance', title: 'Balance', width: 60, align: 'right' },
] as const;
type ColumnKey = (typeof COLUMNS)[number]['key'];

const TYPE_LABEL: Record<StatementLine['type'], string> = {
  invoice: 'Invoice',
  allocation: 'Payment',
  void: 'Void',
};

const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';

function addressLines(address: StatementAddress | null): string[] {
  if (!address) return [];
  const cityLine = [address.postal_code, address.city, address.region].filter(Boolean).join(' ');
  return [address.line1, address.line2, cityLine, address.country].filter((l): l is string => !!l);
}

/**
 * Renders the statement as a PDF (pdfkit, standard Helvetica, no font files): company header, customer
 * block, period and opening balance, the table (header repeated on every page), totals and closing
 * balance, the aging summary as of the period end, and "Page X of Y" on every page.
 */
export function renderPdf(doc: StatementDocument): Promise<Buffer> {
  const pdf = new PDFDocument({
    size: 'A4',
    margins: { top: PAGE.margin, left: PAGE.margin, right: PAGE.margin, bottom: 0 },
    bufferPages: true,
    autoFirstPage: false,
    info: {
      Title: `Statement ${doc.from} to ${doc.to}`,
      Author: doc.companyName,
      Creator: 'custops',
      CreationDate: doc.generatedAt,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  const money = (minor: bigint | null) =>
    minor === null ? '' : formatAmount(minor, doc.currency, { grouping: true });
  const left = PAGE.margin;
  const width = PAGE.width - 2 * PAGE.margin;

  /** The font size last set: bounds a string's width without measuring it. */
  let size = 12;
  const font = (name: string, points: number) => {
    size = points;
    pdf.font(name).fontSize(points);
  };

  /**
   * One line of text that never wraps and never runs past `w` (cut with an ellipsis). Measuring a
   * string costs as much as drawing it (kerning every glyph pair), so it is measured only when a bound
   * says it might not fit: Helvetica's widest glyph is 1.015 em, its digits and `.,-:` at most 0.556 em.
   */
  const cell = (text: string, x: number, y: number, w: number, align: 'left' | 'right' = 'left') => {
    let shown = text;
    const widest = /^[-0-9.,: ]*$/.test(text) ? 0.556 : 1.015;
    if (text.length * widest * size > w - 2 && pdf.widthOfString(shown) > w - 2) {
      while (shown.length > 1 && pdf.widthOfString(`${shown}…`) > w - 2) shown = shown.slice(0, -1);
      shown = `${shown}…`;
    }
    pdf.text(shown, x, y, { width: w, align, lineBreak: false });
  };

  const tableHeader = (y: number) => {
    font(BOLD, 8);
    pdf
      .rect(left, y, width, TABLE_HEADER_HEIGHT - 2)
      .fill('#eeeeee')
      .fillColor('#000000');
    let x = left;
    for (const column of COLUMNS) {
      cell(column.title, x + 2, y + 4, column.width - 4, column.align);
      x += column.width;
    }
    pdf.font(FONT);
  };

  const row = (values: Partial<Record<ColumnKey, string>>, y: number) => {
    font(FONT, 8);
    let x = left;
    for (const column of COLUMNS) {
      const value = values[column.key];
      if (value) cell(value, x + 2, y + 3, column.width - 4, column.align);
      x += column.width;
    }
  };

  const firstPageHeader = () => {
    font(BOLD, 16);
    cell(doc.companyName, left, PAGE.margin, width * 0.6);
    font(BOLD, 14);
    cell('Statement of account', left + width * 0.6, PAGE.margin + 2, width * 0.4, 'right');
    font(FONT, 9);
    cell(`Statement ${doc.statementId}`, left + width * 0.4, PAGE.margin + 22, width * 0.6, 'right');

    let y = PAGE.margin + 50;
    font(BOLD, 10);
    cell(doc.customer.name, left, y, width * 0.55);
    font(FONT, 9);
    y += 14;
    cell(`Customer number ${doc.customer.number}`, left, y, width * 0.55);
    for (const line of addressLines(doc.customer.address).slice(0, 5)) {
      y += 12;
      cell(line, left, y, width * 0.55);
    }

    const boxX = left + width * 0.6;
    const boxW = width * 0.4;
    let by = PAGE.margin + 50;
    const pair = (label: string, value: string, bold = false) => {
      font(FONT, 9);
      cell(label, boxX, by, boxW * 0.45);
      pdf.font(bold ? BOLD : FONT);
      cell(value, boxX + boxW * 0.45, by, boxW * 0.55, 'right');
      by += 14;
    };
    pair('Period', `${doc.from} to ${doc.to}`);
    pair('Currency', doc.currency);
    pair('Opening balance', formatMoney(doc.openingMinor, doc.currency));
    pair('Closing balance', formatMoney(doc.closingMinor, doc.currency), true);
    pair('Statement date', doc.generatedAt.toISOString().slice(0, 10));
  };

  const nextPageHeader = () => {
    font(FONT, 8);
    pdf.fillColor('#444444');
    cell(
      `${doc.companyName} · Statement for ${doc.customer.name} (${doc.customer.number}) · ${doc.from} to ${doc.to} · ${doc.currency}`,
      left,
      PAGE.margin,
      width,
    );
    pdf.fillColor('#000000');
  };

  const summary = (top: number) => {
    let y = top + 8;
    const label = (text: string, value: string, bold = false) => {
      font(bold ? BOLD : FONT, 9);
      cell(text, left + width * 0.5, y, width * 0.3);
      cell(value, left + width * 0.8, y, width * 0.2, 'right');
      y += 14;
    };
    pdf
      .moveTo(left, top + 2)
      .lineTo(left + width, top + 2)
      .stroke();
    label('Opening balance', money(doc.openingMinor));
    label('Total debits', money(doc.totalDebitMinor));
    label('Total credits', money(doc.totalCreditMinor));
    label(`Closing balance (${doc.currency})`, money(doc.closingMinor), true);
    y += 10;
    font(BOLD, 10);
    cell(`Aging as of ${doc.to} (days past due)`, left, y, width);
    y += 16;
    const bucketWidth = width / (doc.aging.length + 1);
    font(BOLD, 8);
    doc.aging.forEach((b, k) => cell(b.bucket, left + k * bucketWidth, y, bucketWidth - 4, 'right'));
    cell('Total', left + doc.aging.length * bucketWidth, y, bucketWidth - 4, 'right');
    y += 13;
    font(FONT, 8);
    doc.aging.forEach((b, k) =>
      cell(money(b.amountMinor), left + k * bucketWidth, y, bucketWidth - 4, 'right'),
    );
    cell(money(doc.agingTotalMinor), left + doc.aging.length * bucketWidth, y, bucketWidth - 4, 'right');
  };

  const rowValues = (index: number): Partial<Record<ColumnKey, string>> => {
    if (index === 0) {
      return { date: doc.from, description: 'Opening balance', balance: money(doc.openingMinor) };
    }
    const line = doc.lines[index - 1];
    return {
      date: line.date,
      type: TYPE_LABEL[line.type],
      reference: line.reference,
      description: line.description,
      debit: money(line.debitMinor),
      credit: money(line.creditMinor),
      balance: money(line.balanceMinor),
    };
  };

  layoutPages(doc.lines.length).forEach((page, p) => {
    pdf.addPage();
    if (p === 0) firstPageHeader();
    else nextPageHeader();
    const top = p === 0 ? FIRST_PAGE_TABLE_TOP : NEXT_PAGE_TABLE_TOP;
    let y = top;
    const [start, end] = page.rows;
    if (end > start) {
      tableHeader(y);
      y += TABLE_HEADER_HEIGHT;
      for (let index = start; index < end; index += 1) {
        row(rowValues(index), y);
        y += ROW_HEIGHT;
      }
    }
    if (page.summary) summary(y);
  });

  const { start, count } = pdf.bufferedPageRange();
  for (let k = start; k < start + count; k += 1) {
    pdf.switchToPage(k);
    pdf.font(FONT).fontSize(8).fillColor('#444444');
    pdf.text(`Page ${k - start + 1} of ${count}`, left, FOOTER_Y, {
      width,
      align: 'right',
      lineBreak: false,
    });
  }
  pdf.end();
  return done;
}
