import { causeOfReason, endStatusOf, RADIUS_TERMINATE_CAUSES, reasonOfCause } from './session-types';

describe('session termination causes', () => {
  it('maps every RADIUS Acct-Terminate-Cause to a reason and back', () => {
    for (const cause of RADIUS_TERMINATE_CAUSES) {
      expect(causeOfReason(reasonOfCause(cause))).toBe(cause);
    }
    expect(reasonOfCause('Lost-Carrier')).toBe('lost_carrier');
    expect(reasonOfCause('NAS-Request')).toBe('nas_request');
  });

  it('reports a data cap as Session-Timeout, as access controllers do, but keeps the reason apart', () => {
    expect(causeOfReason('data_cap')).toBe('Session-Timeout');
    expect(endStatusOf('data_cap')).toBe('terminated');
  });

  it('ends a timed-out session expired and every other end terminated', () => {
    expect(endStatusOf('session_timeout')).toBe('expired');
    expect(endStatusOf('user_request')).toBe('terminated');
    expect(endStatusOf('admin_reset')).toBe('terminated');
  });
});
