import {
  QueryFailedError,
  QueryRunnerAlreadyReleasedError,
  QueryRunnerProviderAlreadyReleasedError,
} from 'typeorm';
import { isDependencyUnavailable, toProblem } from './problem.filter';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const queryFailed = (code: string, message: string) =>
  new QueryFailedError('SELECT 1', [], withCode(message, code));

describe('database unavailability is a 503 problem, not a 500', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET')],
    [
      'a terminated backend (57P01)',
      queryFailed('57P01', 'terminating connection due to administrator command'),
    ],
    ['a server starting or stopping (57P03)', queryFailed('57P03', 'the database system is shutting down')],
    ['a connection failure (08006)', queryFailed('08006', 'connection failure')],
    ['too many connections (53300)', queryFailed('53300', 'sorry, too many clients already')],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['a query runner released by its connection error', new QueryRunnerAlreadyReleasedError()],
    ['a transaction whose connection was released', new QueryRunnerProviderAlreadyReleasedError()],
    [
      'every address refused',
      new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], 'connect failed'),
    ],
  ])('%s', (_what, error) => {
    expect(isDependencyUnavailable(error)).toBe(true);
    expect(toProblem(error, '/v1/customers', 'corr-1')).toMatchObject({
      type: 'https://custops.dev/problems/unavailable',
      status: 503,
      correlation_id: 'corr-1',
    });
  });

  it.each([
    ['a unique violation (23505)', queryFailed('23505', 'duplicate key value violates unique constraint')],
    ['a syntax error (42601)', queryFailed('42601', 'syntax error at or near "SELEC"')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
  ])('%s stays a 500', (_what, error) => {
    expect(isDependencyUnavailable(error)).toBe(false);
    expect(toProblem(error, '/v1/customers', 'corr-1')).toMatchObject({ status: 500 });
  });
});
