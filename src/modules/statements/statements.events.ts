import type { StatementDeliveryMethod, StatementFormat } from './statement-period';

/** Events the statements module publishes (seed 002: StatementGenerated). */
declare module '../../platform/events/domain-event' {
  interface DomainEventCatalogue {
    /** A statement was asked for (alone or by a run); the `statements.generate` subscriber makes it. */
    StatementRequested: {
      statement_id: string;
      run_id: string | null;
      format: StatementFormat;
      delivery_method: StatementDeliveryMethod;
      period_from: string;
      period_to: string;
    };
    /** The document is stored (and, for email delivery, the email requested in the same transaction). */
    StatementGenerated: {
      statement_id: string;
      format: StatementFormat;
      delivery_method: StatementDeliveryMethod;
      period_from: string;
      period_to: string;
      line_count: number;
      /** Minor units as a decimal string (bigint). */
      closing_balance_minor: string;
      currency: string;
    };
    /** Generation gave up after its last attempt; the statement is `failed`. */
    StatementGenerationFailed: {
      statement_id: string;
      format: StatementFormat;
      delivery_method: StatementDeliveryMethod;
      attempts: number;
    };
    /** A monthly run requested one statement per customer with a balance at the period's end. */
    StatementRunCreated: {
      run_id: string;
      period_from: string;
      period_to: string;
      trigger: 'scheduled' | 'on_demand';
      statements: number;
    };
  }
}

export {};
