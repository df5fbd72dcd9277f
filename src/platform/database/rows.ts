/**
 * TypeORM's `query()` answers an UPDATE or DELETE with `[rows, rowCount]` but a SELECT or INSERT with
 * the rows themselves. This gives the rows of an `UPDATE … RETURNING` whichever shape came back.
 */
export function returnedRows<T>(result: T[] | [T[], number]): T[] {
  return result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number'
    ? result[0]
    : (result as T[]);
}
