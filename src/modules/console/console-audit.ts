/** A customer audit entry as the customers module keeps it (the fields the console reads). */
export interface AuditLike {
  entity_type: string;
  action: string;
  changes: Record<string, { before?: unknown; after?: unknown }>;
  reason: string | null;
}

const shown = (value: unknown): string =>
  value === null || value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value);

const fieldsOf = (changes: AuditLike['changes']): string => Object.keys(changes).sort().join(', ');

const withReason = (text: string, reason: string | null): string => (reason ? `${text}: ${reason}` : text);

/**
 * One line saying what an audit entry did. Field names only for edits (their values are in the full
 * audit, GET /v1/customers/:id/audit); a status shows its before and after.
 */
export function auditSummary(entry: AuditLike): string {
  const status = entry.changes.status;
  switch (`${entry.entity_type}:${entry.action}`) {
    case 'customer:created':
      return 'Customer created';
    case 'customer:updated':
      return `Changed ${fieldsOf(entry.changes) || 'nothing'}`;
    case 'status:status_changed':
      return withReason(`Status ${shown(status?.before)} → ${shown(status?.after)}`, entry.reason);
    case 'customer:soft_deleted':
      return withReason('Deleted', entry.reason);
    case 'customer:restored':
      return 'Restored';
    case 'contact:created':
      return 'Contact added';
    case 'bank_account_request:bank_setup_rerun':
      return `Bank account setup re-run (was ${shown(status?.before)})`;
    default: {
      const fields = fieldsOf(entry.changes);
      return withReason(
        `${entry.entity_type} ${entry.action.replace(/_/g, ' ')}${fields ? ` (${fields})` : ''}`,
        entry.reason,
      );
    }
  }
}
