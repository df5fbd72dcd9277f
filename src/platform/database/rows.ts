/**
 * TypeORM's `query()` answers an UPDATE or DELETE with `[rows, rowCount]` but a SELECT or INSERT with
 * the rows themselves. This gives the rows of an `UPDATE … RETURNING` whichever shape came back.
 */
export function returnedRows<T>(result: T[] | [T[], number]): T[] {
  return result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number'
    ? result[0]
    : (result as T[]);
}

/** The unique constraint (or index) a failed write violated (TypeORM wraps pg's error), if that is why it failed. */
export function violatedUniqueConstraint(error: unknown): string | undefined {
  const pgError = error as {
    code?: string;
    constraint?: string;
    driverError?: { code?: string; constraint?: string };
  };
  const code = pgError.driverError?.code ?? pgError.code;
  return code === '23505' ? (pgError.driverError?.constraint ?? pgError.constraint) : undefined;
}
