import {
  CONTENT_BOTTOM,
  FIRST_PAGE_TABLE_TOP,
  layoutPages,
  NEXT_PAGE_TABLE_TOP,
  ROW_HEIGHT,
  ROWS_FIRST_PAGE,
  ROWS_PER_PAGE,
  statementPages,
  SUMMARY_ROWS,
  TABLE_HEADER_HEIGHT,
} from './statement-pdf';

describe('statement PDF page math', () => {
  it('fits the rows between the table top and the footer', () => {
    expect(FIRST_PAGE_TABLE_TOP + TABLE_HEADER_HEIGHT + ROWS_FIRST_PAGE * ROW_HEIGHT).toBeLessThanOrEqual(
      CONTENT_BOTTOM,
    );
    expect(NEXT_PAGE_TABLE_TOP + TABLE_HEADER_HEIGHT + ROWS_PER_PAGE * ROW_HEIGHT).toBeLessThanOrEqual(
      CONTENT_BOTTOM,
    );
    expect(ROWS_PER_PAGE).toBeGreaterThan(ROWS_FIRST_PAGE);
  });

  it('keeps a short statement and its summary on one page', () => {
    expect(layoutPages(0)).toEqual([{ rows: [0, 1], summary: true }]);
    expect(statementPages(ROWS_FIRST_PAGE - SUMMARY_ROWS - 1)).toBe(1);
  });

  it('moves the summary to a page of its own when the last page has no room for it', () => {
    // The opening row and these lines leave SUMMARY_ROWS - 1 rows free on page 1: one too few.
    const lines = ROWS_FIRST_PAGE - SUMMARY_ROWS;
    expect(statementPages(lines)).toBe(2);
    expect(layoutPages(lines)[1]).toEqual({ rows: [lines + 1, lines + 1], summary: true });
    expect(statementPages(lines - 1)).toBe(1);
  });

  it('continues the table on pages of ROWS_PER_PAGE rows', () => {
    const lines = ROWS_FIRST_PAGE + 2 * ROWS_PER_PAGE - 1; // exactly fills three pages with the opening row
    const pages = layoutPages(lines);
    expect(pages.map((p) => p.rows[1] - p.rows[0])).toEqual([
      ROWS_FIRST_PAGE,
      ROWS_PER_PAGE,
      ROWS_PER_PAGE,
      0,
    ]);
    expect(pages[3].summary).toBe(true);
  });

  it('places every row exactly once, in order', () => {
    for (const lines of [0, 1, 35, 300, 2000]) {
      const pages = layoutPages(lines);
      let next = 0;
      for (const page of pages) {
        expect(page.rows[0]).toBe(next);
        next = page.rows[1];
      }
      expect(next).toBe(lines + 1);
      expect(pages.filter((p) => p.summary)).toHaveLength(1);
      expect(pages[pages.length - 1].summary).toBe(true);
    }
  });
});
