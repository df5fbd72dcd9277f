/**
 * Events the bank-accounts module publishes. Metadata carries ids and outcomes only: never an account
 * or routing number, masked or not (the worker reads those from the request row).
 */
declare module '../../platform/events/domain-event' {
  interface DomainEventCatalogue {
    /** A setup request was accepted (202); the `bank-accounts.setup` subscriber runs its stages. */
    BankAccountSetupRequested: {
      request_id: string;
      trace_id: string;
      /** Set on the worker's own re-deliveries while the validation service is unavailable (1, 2, …). */
      retry?: number;
    };
    /** The account exists (stage 6); published once, in the transaction that creates it. */
    BankAccountCreated: {
      request_id: string;
      bank_account_id: string;
      trace_id: string;
      account_type: 'checking' | 'savings';
    };
    /** The request failed for good (invalid details, refused by the validation service, or a system error). */
    BankAccountSetupFailed: {
      request_id: string;
      trace_id: string;
      error_type: 'validation_error' | 'system_error';
    };
  }
}

export {};
