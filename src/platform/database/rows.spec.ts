import { returnedRows } from './rows';

describe('returnedRows', () => {
  it('unwraps the [rows, count] answer of an UPDATE … RETURNING', () => {
    expect(returnedRows<{ id: number }>([[{ id: 1 }, { id: 2 }], 2])).toEqual([{ id: 1 }, { id: 2 }]);
    expect(returnedRows<{ id: number }>([[], 0])).toEqual([]);
  });

  it('passes the rows of a SELECT or INSERT through', () => {
    expect(returnedRows([{ id: 1 }, { id: 2 }])).toEqual([{ id: 1 }, { id: 2 }]);
    expect(returnedRows([])).toEqual([]);
  });
});
