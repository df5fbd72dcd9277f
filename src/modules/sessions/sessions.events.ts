import type { SessionSource, TerminatedBy, TerminationReason } from './session-types';

/** What every session event says about the session. Amounts are integer minor units of `currency`. */
interface SessionFacts {
  session_id: string;
  package_id: string;
  package_name: string;
  source: SessionSource;
}

declare module '../../platform/events/domain-event' {
  interface DomainEventCatalogue {
    /** The session became active: paid for, or a voucher redeemed. */
    SessionStarted: SessionFacts & {
      started_at: string;
      expires_at: string;
      duration_seconds: number;
      data_cap_bytes: number | null;
      payment_id: string | null;
      voucher_id: string | null;
    };
    /** Every end of a session, whatever the cause (an expiry is also a SessionExpired). */
    SessionTerminated: SessionFacts & {
      reason: TerminationReason;
      /** RFC 2866 Acct-Terminate-Cause. */
      terminate_cause: string;
      terminated_by: TerminatedBy;
      started_at: string;
      ended_at: string;
      duration_seconds: number;
      bytes_in: number;
      bytes_out: number;
    };
    /** The session ran out of time (ended by the expiry job or reported as Session-Timeout). */
    SessionExpired: SessionFacts & {
      expires_at: string;
      ended_at: string;
      bytes_in: number;
      bytes_out: number;
    };
    /** A session's payment failed or was canceled: the session will not start. */
    SessionPaymentFailed: SessionFacts & { payment_id: string; error_code: string; error_message: string };
    /** A package was paid for (its session starts in the same transaction). */
    PackagePurchased: SessionFacts & { payment_id: string; amount_minor: number; currency: string };
    /** A prepaid voucher was used: exactly once per code. */
    VoucherRedeemed: SessionFacts & { voucher_id: string; batch_id: string };
  }
}

export type { SessionFacts };
