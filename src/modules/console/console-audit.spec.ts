import { auditSummary } from './console-audit';

describe('console audit summaries', () => {
  it('says what each kind of entry did, without edited values', () => {
    expect(auditSummary({ entity_type: 'customer', action: 'created', changes: {}, reason: null })).toBe(
      'Customer created',
    );
    expect(
      auditSummary({
        entity_type: 'customer',
        action: 'updated',
        changes: { phone: { before: '+254700000001', after: '+254700000002' }, email: { after: 'a@b.c' } },
        reason: null,
      }),
    ).toBe('Changed email, phone');
    expect(
      auditSummary({
        entity_type: 'status',
        action: 'status_changed',
        changes: { status: { before: 'active', after: 'blocked' } },
        reason: 'Fraud check',
      }),
    ).toBe('Status active → blocked: Fraud check');
    expect(
      auditSummary({
        entity_type: 'bank_account_request',
        action: 'bank_setup_rerun',
        changes: { status: { before: 'waiting_external', after: 'queued' } },
        reason: null,
      }),
    ).toBe('Bank account setup re-run (was waiting_external)');
    expect(
      auditSummary({ entity_type: 'customer', action: 'hard_deleted', changes: {}, reason: 'gdpr_request' }),
    ).toBe('customer hard deleted: gdpr_request');
  });
});
