import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Clock } from '../../platform/clock/clock';
import type { DomainEvent } from '../../platform/events/domain-event';
import { EventBus } from '../../platform/events/event-bus';
import { OnDomainEvent } from '../../platform/events/subscriptions';
import '../payments/payments.events';
import { SessionAuthorizer } from './session-authorizer';
import { sessionFacts, SessionLifecycle } from './session-lifecycle';
import { SessionsRepository } from './sessions.repository';

/**
 * A package's payment decides its session: success starts it (even after a failure or a cancel: the
 * money was taken, so the customer gets what they paid for), failure or cancel marks it
 * payment_failed. Durable subscribers: each runs once per event, and a rerun finds the session
 * already moved and changes nothing.
 */
@Injectable()
export class SessionPayments {
  constructor(
    private readonly repository: SessionsRepository,
    private readonly lifecycle: SessionLifecycle,
    private readonly authorizer: SessionAuthorizer,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(SessionPayments.name);
  }

  @OnDomainEvent('PaymentSucceeded', { name: 'sessions.payment-succeeded' })
  async succeeded(event: DomainEvent<'PaymentSucceeded'>): Promise<void> {
    const { purpose_type: purpose, purpose_id: sessionId, payment_id: paymentId } = event.metadata;
    if (purpose !== 'package') return;
    const started = await this.repository.transaction(async (manager) => {
      const locked = await this.repository.lock(manager, event.company_id, sessionId);
      if (!locked || locked.payment_id !== paymentId) return undefined;
      const row = await this.repository.activatePaid(manager, sessionId, this.clock.now());
      if (row) await this.lifecycle.started(manager, row, {});
      return row;
    });
    if (started) {
      await this.authorizer.remember([started]);
      this.logger.info(
        {
          operation: 'sessions.start',
          company_id: started.company_id,
          customer_id: started.customer_id,
          session_id: started.id,
          payment_id: paymentId,
          trace_id: started.trace_id,
        },
        'Session started',
      );
    }
  }

  @OnDomainEvent(['PaymentFailed', 'PaymentCanceled'], { name: 'sessions.payment-failed' })
  async failed(event: DomainEvent<'PaymentFailed' | 'PaymentCanceled'>): Promise<void> {
    const m = event.metadata;
    if (m.purpose_type !== 'package') return;
    const errorCode = 'error_code' in m ? m.error_code : 'canceled';
    const errorMessage = 'error_message' in m ? m.error_message : 'The payment was canceled';
    const failed = await this.repository.transaction(async (manager) => {
      const locked = await this.repository.lock(manager, event.company_id, m.purpose_id);
      if (!locked || locked.payment_id !== m.payment_id) return undefined;
      const row = await this.repository.markPaymentFailed(manager, locked.id, errorCode, this.clock.now());
      if (!row) return undefined;
      await this.events.publish(manager, {
        type: 'SessionPaymentFailed',
        companyId: row.company_id,
        customerId: row.customer_id,
        metadata: {
          ...sessionFacts(row),
          payment_id: m.payment_id,
          error_code: errorCode,
          error_message: errorMessage,
        },
      });
      return row;
    });
    if (failed) await this.authorizer.remember([failed]);
  }
}
