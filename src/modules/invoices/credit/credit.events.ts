/** Events of credit control (seed 002's credit management events). Amounts in minor units of `currency`. */
declare module '../../../platform/events/domain-event' {
  interface DomainEventCatalogue {
    /** Someone asked to change a customer's credit limit; a manager or admin decides. */
    CreditLimitAdjustmentRequested: {
      adjustment_id: string;
      adjustment_type: 'increase' | 'decrease';
      amount_minor: number;
      currency: string;
      reason: string;
    };
    /** An adjustment was approved: the limit changed (from null when none was set). */
    CreditLimitAdjusted: {
      adjustment_id: string;
      adjustment_type: 'increase' | 'decrease';
      amount_minor: number;
      currency: string;
      limit_before_minor: number | null;
      limit_after_minor: number;
      decided_by: string;
    };
    /** An adjustment was rejected: the limit stays as it was. */
    CreditLimitAdjustmentRejected: {
      adjustment_id: string;
      adjustment_type: 'increase' | 'decrease';
      amount_minor: number;
      currency: string;
      reason: string;
      decided_by: string;
    };
    /**
     * Issuing an invoice would take the customer's exposure over its limit: refused, or issued on a
     * manager's override. Severity from overage / limit (CREDIT_BREACH_*_PERCENT).
     */
    CreditLimitBreached: {
      breach_id: string;
      invoice_id: string;
      invoice_number: string;
      currency: string;
      limit_minor: number;
      exposure_minor: number;
      invoice_total_minor: number;
      overage_minor: number;
      severity: 'low' | 'medium' | 'high';
      override_used: boolean;
      refused: boolean;
    };
  }
}

export {};
