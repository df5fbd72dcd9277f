import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { EventBus } from '../../platform/events/event-bus';
import type { SessionFacts } from './sessions.events';
import type { SessionRow } from './sessions.repository';
import './sessions.events';

const iso = (at: Date | null): string => new Date(at ?? 0).toISOString();
const seconds = (from: Date | null, to: Date | null): number =>
  Math.max(0, Math.round((new Date(to ?? 0).getTime() - new Date(from ?? 0).getTime()) / 1000));

export const sessionFacts = (row: SessionRow): SessionFacts => ({
  session_id: row.id,
  package_id: row.package_id,
  package_name: row.package_name,
  source: row.source,
});

/**
 * The events of a session's start and end, published in the transaction that made the change, so
 * every consumer (notifications, metrics, reports) sees each start and each end exactly once.
 */
@Injectable()
export class SessionLifecycle {
  constructor(private readonly events: EventBus) {}

  /** SessionStarted, plus PackagePurchased (paid) or VoucherRedeemed (with the voucher's batch). */
  async started(
    manager: EntityManager,
    row: SessionRow,
    origin: { userId?: string | null; voucherBatchId?: string },
  ): Promise<void> {
    const facts = sessionFacts(row);
    const common = { companyId: row.company_id, customerId: row.customer_id, userId: origin.userId ?? null };
    await this.events.publish(manager, {
      ...common,
      type: 'SessionStarted',
      metadata: {
        ...facts,
        started_at: iso(row.started_at),
        expires_at: iso(row.expires_at),
        duration_seconds: row.duration_seconds,
        data_cap_bytes: row.data_cap_bytes === null ? null : Number(row.data_cap_bytes),
        payment_id: row.payment_id,
        voucher_id: row.voucher_id,
      },
    });
    if (row.source === 'purchase' && row.payment_id) {
      await this.events.publish(manager, {
        ...common,
        type: 'PackagePurchased',
        metadata: {
          ...facts,
          payment_id: row.payment_id,
          amount_minor: Number(row.price_minor),
          currency: row.currency.trim(),
        },
      });
    }
    if (row.source === 'voucher' && row.voucher_id && origin.voucherBatchId) {
      await this.events.publish(manager, {
        ...common,
        type: 'VoucherRedeemed',
        metadata: { ...facts, voucher_id: row.voucher_id, batch_id: origin.voucherBatchId },
      });
    }
  }

  /** SessionTerminated for every ended row, plus SessionExpired for those that ran out of time. */
  async ended(manager: EntityManager, rows: SessionRow[], userId: string | null = null): Promise<void> {
    if (rows.length === 0) return;
    const terminated = rows.map((row) => ({
      type: 'SessionTerminated' as const,
      companyId: row.company_id,
      customerId: row.customer_id,
      userId,
      metadata: {
        ...sessionFacts(row),
        reason: row.termination_reason!,
        terminate_cause: row.terminate_cause ?? '',
        terminated_by: row.terminated_by!,
        started_at: iso(row.started_at),
        ended_at: iso(row.ended_at),
        duration_seconds: seconds(row.started_at, row.ended_at),
        bytes_in: Number(row.bytes_in),
        bytes_out: Number(row.bytes_out),
      },
    }));
    await this.events.publish(manager, ...terminated);
    const expired = rows
      .filter((row) => row.status === 'expired')
      .map((row) => ({
        type: 'SessionExpired' as const,
        companyId: row.company_id,
        customerId: row.customer_id,
        metadata: {
          ...sessionFacts(row),
          expires_at: iso(row.expires_at),
          ended_at: iso(row.ended_at),
          bytes_in: Number(row.bytes_in),
          bytes_out: Number(row.bytes_out),
        },
      }));
    if (expired.length > 0) await this.events.publish(manager, ...expired);
  }
}
