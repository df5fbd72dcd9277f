import { isTerminalEvent, parseDurationMs, parseSince } from './journey-rules';

describe('parseDurationMs', () => {
  it.each([
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['30s', 30_000],
    ['250ms', 250],
    ['2d', 172_800_000],
    ['300', 300_000],
    ['1.5h', 5_400_000],
    [' 10m ', 600_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['', '0', '0m', '-5m', '5 minutes', '5M', 'm', '1h30m', 'abc'])('refuses %p', (text) => {
    expect(parseDurationMs(text)).toBeNull();
  });
});

describe('parseSince', () => {
  const now = new Date('2026-03-02T10:00:00Z');

  it('reads a duration back from now', () => {
    expect(parseSince('1h', now)?.toISOString()).toBe('2026-03-02T09:00:00.000Z');
  });

  it('reads an ISO time with an offset', () => {
    expect(parseSince('2026-03-02T11:30:00+03:00', now)?.toISOString()).toBe('2026-03-02T08:30:00.000Z');
  });

  it('refuses a time without an offset, a future time and nonsense', () => {
    expect(parseSince('2026-03-02T08:00:00', now)).toBeNull();
    expect(parseSince('2026-03-02T11:00:00Z', now)).toBeNull();
    expect(parseSince('yesterday', now)).toBeNull();
  });
});

describe('isTerminalEvent', () => {
  const bank = (eventType: string, status: 'processing' | 'success' | 'error' = 'success') => ({
    flow: 'bank_account_setup' as const,
    eventType,
    status,
  });

  it("ends a bank-account setup at seed 000's last stage or a failed validation", () => {
    expect(isTerminalEvent(bank('bank_account_setup_completed'))).toBe(true);
    expect(isTerminalEvent({ ...bank('validation_failed', 'error'), errorType: 'validation_error' })).toBe(
      true,
    );
  });

  it('keeps the run open after intermediate stages, even those named *_completed', () => {
    for (const stage of [
      'message_received',
      'validation_started',
      'validation_completed',
      'bank_setup_started',
      'external_validation_completed',
      'account_created',
    ]) {
      expect(isTerminalEvent(bank(stage))).toBe(false);
    }
  });

  it('keeps a run open after an external-service error or a timeout: it is queued and retried', () => {
    expect(
      isTerminalEvent({
        ...bank('external_validation_completed', 'error'),
        errorType: 'external_service_error',
      }),
    ).toBe(false);
    expect(isTerminalEvent({ ...bank('bank_setup_started', 'error'), errorType: 'timeout_error' })).toBe(
      false,
    );
  });

  it('ends a run at a system error or an unclassified error', () => {
    expect(isTerminalEvent({ ...bank('account_created', 'error'), errorType: 'system_error' })).toBe(true);
    expect(isTerminalEvent(bank('account_created', 'error'))).toBe(true);
  });

  it("ends payments and ticket submissions at their flows' final events", () => {
    expect(isTerminalEvent({ flow: 'payment', eventType: 'payment_succeeded', status: 'success' })).toBe(
      true,
    );
    expect(isTerminalEvent({ flow: 'payment', eventType: 'payment_failed', status: 'error' })).toBe(true);
    expect(isTerminalEvent({ flow: 'payment', eventType: 'payment_initiated', status: 'processing' })).toBe(
      false,
    );
    expect(
      isTerminalEvent({ flow: 'ticket_submission', eventType: 'ticket_submitted', status: 'success' }),
    ).toBe(true);
  });

  it('lets the caller decide either way', () => {
    expect(isTerminalEvent({ ...bank('message_received', 'processing'), terminal: true })).toBe(true);
    expect(
      isTerminalEvent({ ...bank('account_created', 'error'), errorType: 'system_error', terminal: false }),
    ).toBe(false);
  });
});
