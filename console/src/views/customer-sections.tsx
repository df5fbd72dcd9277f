import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import { DataTable } from '../components/data-table';
import { Badge, CopyButton, useNow, useReportError } from '../components/feedback';
import {
  checksOf,
  flowName,
  formatBytes,
  formatDateTime,
  formatDue,
  formatDuration,
  formatMoney,
  formatPercent,
  humanize,
} from '../format';
import type {
  AuditEntry,
  BankAccountRequest,
  Credit,
  CustomerDocument,
  JourneyEvent,
  NotificationDelivery,
  Payment,
  Session,
  Ticket,
  TicketComment,
} from '../types';

/** Runs an action against the API; reloads the customer on success, reports the problem otherwise. */
export type Act = (run: () => Promise<unknown>, what: string, done: string) => Promise<boolean>;

/**
 * Bank-account requests the console offers to re-run: still open, or failed for a reason a re-run can cure
 * (not refused data). The server decides (409 when the request is within its normal time or finished).
 */
const rerunnable = (request: BankAccountRequest): boolean =>
  ['queued', 'processing', 'waiting_external'].includes(request.status) ||
  (request.status === 'failed' && request.error_type !== 'validation_error');

function Section({
  id,
  title,
  count,
  children,
}: {
  id: string;
  title: string;
  count: number;
  children: ComponentChildren;
}) {
  return (
    <section class="panel" id={id} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} tabIndex={-1}>
        {title}
        <span class="count"> ({count})</span>
      </h2>
      {children}
    </section>
  );
}

const Time = ({ iso, seconds = false }: { iso: string | null | undefined; seconds?: boolean }) =>
  iso ? <time dateTime={iso}>{formatDateTime(iso, seconds)}</time> : <span>—</span>;

const Empty = ({ children }: { children: ComponentChildren }) => <p class="empty">{children}</p>;

// ---- header: status change (manager and up) ------------------------------------------------------------

export function ChangeStatusForm({ customer, act }: { customer: CustomerDocument['customer']; act: Act }) {
  const [status, setStatus] = useState(customer.status === 'active' ? 'inactive' : 'active');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const id = useId();
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    const ok = await act(
      () =>
        api(`/v1/customers/${customer.id}/status`, {
          method: 'POST',
          body: { status, reason: reason.trim() },
        }),
      'Changing the status',
      `Status changed to ${status}.`,
    );
    setBusy(false);
    if (ok) setReason('');
  };
  return (
    <form class="inline-form" onSubmit={(e) => void submit(e)} aria-label="Change the customer's status">
      <div class="field">
        <label for={`${id}-status`}>New status</label>
        <select id={`${id}-status`} value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
          {['active', 'inactive', 'blocked'].map((value) => (
            <option key={value} value={value} disabled={value === customer.status}>
              {value}
            </option>
          ))}
        </select>
      </div>
      <div class="field field--grow">
        <label for={`${id}-reason`}>Reason</label>
        <input
          id={`${id}-reason`}
          type="text"
          required
          maxLength={500}
          value={reason}
          onInput={(e) => setReason(e.currentTarget.value)}
        />
      </div>
      <button
        type="submit"
        class="button"
        data-action="change-status"
        disabled={busy || !reason.trim() || status === customer.status}
      >
        Change status
      </button>
    </form>
  );
}

// ---- credit --------------------------------------------------------------------------------------------

const BUCKETS: Array<[keyof Credit['aging'], string]> = [
  ['current', 'Current'],
  ['d1_30', '1–30 days'],
  ['d31_60', '31–60 days'],
  ['d61_90', '61–90 days'],
  ['d90_plus', 'Over 90 days'],
];

export function CreditPanel({ credit }: { credit: Credit | null }) {
  return (
    <section class="panel credit" aria-labelledby="credit-title">
      <h2 id="credit-title">Credit</h2>
      {!credit ? (
        <Empty>No credit account.</Empty>
      ) : (
        <>
          <dl class="facts facts--money">
            <div>
              <dt>Limit</dt>
              <dd>
                {credit.limit_minor === null ? 'No limit' : formatMoney(credit.limit_minor, credit.currency)}
              </dd>
            </div>
            <div>
              <dt>Owed (exposure)</dt>
              <dd>{formatMoney(credit.exposure_minor, credit.currency)}</dd>
            </div>
            <div>
              <dt>Available</dt>
              <dd class={credit.available_minor !== null && credit.available_minor < 0 ? 'bad' : undefined}>
                {formatMoney(credit.available_minor, credit.currency)}
              </dd>
            </div>
            <div>
              <dt>Utilisation</dt>
              <dd>
                {formatPercent(credit.utilisation)}{' '}
                {credit.utilisation !== null && Number.isFinite(credit.utilisation) && (
                  <meter
                    min={0}
                    max={1}
                    low={0.8}
                    high={0.95}
                    optimum={0}
                    value={Math.min(credit.utilisation, 1)}
                    aria-label="Credit utilisation"
                  />
                )}
              </dd>
            </div>
          </dl>
          <table class="aging">
            <caption>Outstanding by age ({credit.currency})</caption>
            <thead>
              <tr>
                {BUCKETS.map(([key, label]) => (
                  <th key={key} scope="col">
                    {label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              <tr>
                {BUCKETS.map(([key]) => (
                  <td
                    key={key}
                    data-bucket={key}
                    class={key !== 'current' && credit.aging[key] > 0 ? 'warn' : ''}
                  >
                    {formatMoney(credit.aging[key], credit.currency)}
                  </td>
                ))}
              </tr>
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

// ---- stuck now and what to tell them ------------------------------------------------------------------

function ResponseBlock({ text, title = 'What to tell the customer' }: { text: string; title?: string }) {
  return (
    <div class="response" data-testid="suggested-response">
      <h3>{title}</h3>
      <blockquote class="response__text">{text}</blockquote>
      <CopyButton text={text} label="Copy response" />
    </div>
  );
}

/** Without a stuck run: the latest event's customer-facing text, if the latest event was an error. */
export function SuggestedResponse({ events }: { events: JourneyEvent[] }) {
  const latest = events[0];
  if (!latest || latest.status !== 'error' || !latest.response_text) return null;
  return (
    <section class="panel" aria-labelledby="latest-error-title">
      <h2 id="latest-error-title">
        Last step failed: {latest.stage_name} ({flowName(latest.flow)})
      </h2>
      <ResponseBlock text={latest.response_text} />
    </section>
  );
}

export function StuckBanner({ doc, act }: { doc: CustomerDocument; act: Act }) {
  const stuck = doc.journey.stuck!;
  // The stuck run's events: its latest event at that stage tells the flow and the customer-facing text.
  const atStage = doc.journey.events.find((e) => e.stage === stuck.stage);
  const response =
    atStage?.response_text ??
    doc.journey.events.find((e) => e.flow === atStage?.flow && e.response_text)?.response_text ??
    null;
  const rerun =
    doc.permissions.rerun_bank_setup && (atStage?.flow ?? 'bank_account_setup') === 'bank_account_setup'
      ? doc.bank_accounts.find(rerunnable)
      : undefined;
  const [busy, setBusy] = useState(false);
  return (
    <section class="stuck-banner" aria-labelledby="stuck-title" data-testid="stuck-banner">
      <h2 id="stuck-title">
        Stuck now: {stuck.stage_name}
        {atStage ? ` (${flowName(atStage.flow)})` : ''}
      </h2>
      <p>
        At this stage since <Time iso={stuck.since} seconds />, for{' '}
        <strong>{formatDuration(stuck.stuck_for_ms)}</strong>; normally it moves on within{' '}
        {formatDuration(stuck.normal_max_ms)}.
        {atStage?.error_type && (
          <>
            {' '}
            Last error: <strong class="error-type">{humanize(atStage.error_type)}</strong>.
          </>
        )}
      </p>
      <div class="stuck-banner__grid">
        <div>
          <h3>What to check</h3>
          <ul class="checks">
            {checksOf(stuck.check).map((check) => (
              <li key={check}>{check}</li>
            ))}
          </ul>
          {rerun && (
            <button
              type="button"
              class="button"
              data-action="rerun-bank-setup"
              disabled={busy}
              onClick={() => {
                setBusy(true);
                void act(
                  () => api(`/v1/bank-accounts/requests/${rerun.request_id}/retry`, { method: 'POST' }),
                  'Re-running the bank account setup',
                  'Bank account setup queued again.',
                ).finally(() => setBusy(false));
              }}
            >
              Re-run bank account setup
            </button>
          )}
        </div>
        {response && <ResponseBlock text={response} />}
      </div>
    </section>
  );
}

// ---- journey ------------------------------------------------------------------------------------------

export function JourneySection({ events }: { events: JourneyEvent[] }) {
  return (
    <Section id="journey" title="Journey" count={events.length}>
      {events.length === 0 ? (
        <Empty>No journey events yet.</Empty>
      ) : (
        // Scrolls on its own when long: focusable so the keyboard can scroll it too.
        <ol class="timeline" aria-label="Journey events, newest first" tabIndex={0}>
          {events.map((event) => {
            const error = event.status === 'error' || !!event.error_type;
            const slow =
              event.duration_ms !== null &&
              event.normal_max_ms !== null &&
              event.normal_max_ms > 0 &&
              event.duration_ms > event.normal_max_ms;
            return (
              <li key={event.id} class={`event${error ? ' event--error' : ''}`}>
                <div class="event__head">
                  <Time iso={event.occurred_at} seconds />
                  <span class="event__flow">{flowName(event.flow)}</span>
                  <strong class="event__stage">{event.stage_name}</strong>
                  <Badge value={event.status} />
                  {event.error_type && <span class="error-type">Error: {humanize(event.error_type)}</span>}
                </div>
                {event.duration_ms !== null && (
                  <p class={`event__duration${slow ? ' slow' : ''}`}>
                    Took {formatDuration(event.duration_ms)}
                    {event.normal_max_ms ? ` (normal up to ${formatDuration(event.normal_max_ms)})` : ''}
                    {slow ? ' — slower than normal' : ''}
                  </p>
                )}
                {event.response_text && (
                  <details class="event__response">
                    <summary>What to tell the customer</summary>
                    <blockquote>{event.response_text}</blockquote>
                    <CopyButton text={event.response_text} label="Copy response" />
                  </details>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </Section>
  );
}

// ---- tickets ------------------------------------------------------------------------------------------

function Due({ iso, now, label }: { iso: string | null; now: number; label: string }) {
  if (!iso) return <span class="muted">—</span>;
  const due = formatDue(iso, now);
  return (
    <span class={due.overdue ? 'due due--overdue' : 'due'} title={`${label} ${formatDateTime(iso)}`}>
      <time dateTime={iso}>{due.text}</time>
    </span>
  );
}

const CLOSED_TICKETS = new Set(['resolved', 'closed', 'merged']);

export function TicketsSection({
  tickets,
  canComment,
  act,
}: {
  tickets: Ticket[];
  canComment: boolean;
  act: Act;
}) {
  const now = useNow(15_000);
  const [open, setOpen] = useState<string | null>(null);
  return (
    <Section id="tickets" title="Tickets" count={tickets.length}>
      <DataTable
        empty="No tickets."
        columns={[
          { label: 'Ticket' },
          { label: 'Subject' },
          { label: 'Status' },
          { label: 'Priority' },
          { label: 'Escalation' },
          { label: 'First response' },
          { label: 'Resolution' },
          { label: 'Opened' },
          { label: <span class="visually-hidden">Comments</span> },
        ]}
        rows={tickets}
        row={(ticket) => {
          const active = !CLOSED_TICKETS.has(ticket.status);
          const panelId = `comments-${ticket.id}`;
          return [
            <tr key={ticket.id} class={ticket.breached && active ? 'row--bad' : undefined}>
              <th scope="row">{ticket.number}</th>
              <td>{ticket.subject}</td>
              <td>
                <Badge value={ticket.status} />
                {ticket.breached && <span class="badge badge--bad">SLA breached</span>}
              </td>
              <td>{ticket.priority}</td>
              <td>{ticket.escalation_level > 0 ? `Level ${ticket.escalation_level}` : 'None'}</td>
              <td>
                {active ? (
                  <Due iso={ticket.first_response_due_at} now={now} label="First response due" />
                ) : (
                  '—'
                )}
              </td>
              <td>
                {active ? <Due iso={ticket.resolution_due_at} now={now} label="Resolution due" /> : '—'}
              </td>
              <td>
                <Time iso={ticket.created_at} />
              </td>
              <td>
                <button
                  type="button"
                  class="button button--small"
                  aria-expanded={open === ticket.id}
                  aria-controls={panelId}
                  onClick={() => setOpen(open === ticket.id ? null : ticket.id)}
                >
                  Comments<span class="visually-hidden"> on {ticket.number}</span>
                </button>
              </td>
            </tr>,
            open === ticket.id && (
              <tr key={`${ticket.id}-comments`} class="row--detail">
                <td colSpan={9} id={panelId}>
                  <TicketComments ticket={ticket} canComment={canComment && active} act={act} />
                </td>
              </tr>
            ),
          ];
        }}
      />
    </Section>
  );
}

function TicketComments({ ticket, canComment, act }: { ticket: Ticket; canComment: boolean; act: Act }) {
  const report = useReportError();
  const [comments, setComments] = useState<TicketComment[] | null>(null);
  const [body, setBody] = useState('');
  const [internal, setInternal] = useState(true);
  const [busy, setBusy] = useState(false);
  const [reload, setReload] = useState(0);
  const field = useRef<HTMLTextAreaElement>(null);
  const id = useId();

  useEffect(() => {
    const controller = new AbortController();
    api<{ data: TicketComment[] }>(`/v1/tickets/${ticket.id}/comments`, { signal: controller.signal })
      .then((res) => setComments(res.data))
      .catch((error: unknown) => report(error, `Loading the comments on ${ticket.number}`));
    return () => controller.abort();
  }, [ticket.id, ticket.number, reload, report]);

  const submit = async (event: Event) => {
    event.preventDefault();
    const text = body.trim();
    if (!text) {
      field.current?.focus();
      return;
    }
    setBusy(true);
    const ok = await act(
      () =>
        api(`/v1/tickets/${ticket.id}/comments`, {
          method: 'POST',
          body: { body: text, internal },
          idempotent: true,
        }),
      `Adding the comment to ${ticket.number}`,
      `Comment added to ${ticket.number}.`,
    );
    setBusy(false);
    if (ok) {
      setBody('');
      setReload((n) => n + 1);
    }
  };

  return (
    <div class="comments">
      <h3>Comments on {ticket.number}</h3>
      {comments === null ? (
        <p class="status">Loading comments…</p>
      ) : comments.length === 0 ? (
        <Empty>No comments yet.</Empty>
      ) : (
        <ol class="comments__list" aria-live="polite">
          {comments.map((comment) => (
            <li key={comment.id} class={comment.internal ? 'comment comment--internal' : 'comment'}>
              <p class="comment__meta">
                {comment.author_kind}
                {comment.internal ? ' · internal note' : ''} · <Time iso={comment.created_at} />
              </p>
              <p class="comment__body">{comment.body}</p>
            </li>
          ))}
        </ol>
      )}
      {canComment && (
        <form class="comment-form" onSubmit={(e) => void submit(e)}>
          <label for={`${id}-body`}>Add a comment to {ticket.number}</label>
          <textarea
            id={`${id}-body`}
            ref={field}
            rows={3}
            maxLength={20000}
            value={body}
            onInput={(e) => setBody(e.currentTarget.value)}
          />
          <div class="comment-form__row">
            <label class="checkbox">
              <input
                type="checkbox"
                checked={internal}
                onChange={(e) => setInternal(e.currentTarget.checked)}
              />
              Internal note (the customer does not see it)
            </label>
            <button
              type="submit"
              class="button button--primary"
              data-action="comment"
              disabled={busy || !body.trim()}
            >
              Add comment
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

// ---- payments, sessions, notifications, bank accounts, audit -------------------------------------------

export function PaymentsSection({ payments }: { payments: Payment[] }) {
  return (
    <Section id="payments" title="Payments" count={payments.length}>
      <DataTable
        empty="No payments."
        columns={[
          { label: 'When' },
          { label: 'Amount', class: 'num' },
          { label: 'Status' },
          { label: 'Error code' },
          { label: 'Error class' },
          { label: 'Payment id' },
        ]}
        rows={payments}
        row={(payment) => (
          <tr key={payment.id} class={payment.status === 'failed' ? 'row--bad' : undefined}>
            <td>
              <Time iso={payment.created_at} />
            </td>
            <td class="num">{formatMoney(payment.amount_minor, payment.currency)}</td>
            <td>
              <Badge value={payment.status} />
            </td>
            <td>{payment.error_code ? <code>{payment.error_code}</code> : '—'}</td>
            <td>{payment.error_class ? humanize(payment.error_class) : '—'}</td>
            <td>
              <code class="id">{payment.id}</code>
            </td>
          </tr>
        )}
      />
    </Section>
  );
}

export function SessionsSection({ sessions }: { sessions: Session[] }) {
  return (
    <Section id="sessions" title="Sessions" count={sessions.length}>
      <DataTable
        empty="No WiFi sessions."
        columns={[
          { label: 'Package' },
          { label: 'Status' },
          { label: 'Started' },
          { label: 'Expires' },
          { label: 'Usage (down / up)' },
          { label: 'Session id' },
        ]}
        rows={sessions}
        row={(session) => {
          const used = Number(session.bytes_in) + Number(session.bytes_out);
          return (
            <tr key={session.id}>
              <td>{session.package_name}</td>
              <td>
                <Badge value={session.status} />
              </td>
              <td>
                <Time iso={session.started_at} />
              </td>
              <td>
                <Time iso={session.expires_at} />
              </td>
              <td data-testid="session-usage">
                {formatBytes(used)}
                {session.data_cap_bytes ? ` of ${formatBytes(session.data_cap_bytes)}` : ''} (
                {formatBytes(session.bytes_in)} / {formatBytes(session.bytes_out)})
                {session.data_cap_bytes ? (
                  <meter
                    min={0}
                    max={session.data_cap_bytes}
                    value={Math.min(used, session.data_cap_bytes)}
                    aria-label={`Data used of the cap, session ${session.id.slice(0, 8)}`}
                  />
                ) : null}
              </td>
              <td>
                <code class="id">{session.id}</code>
              </td>
            </tr>
          );
        }}
      />
    </Section>
  );
}

export function NotificationsSection({
  notifications,
  canRetry,
  act,
}: {
  notifications: NotificationDelivery[];
  canRetry: boolean;
  act: Act;
}) {
  const [busy, setBusy] = useState<string | null>(null);
  return (
    <Section id="notifications" title="Notifications" count={notifications.length}>
      <DataTable
        empty="No notifications."
        columns={[
          { label: 'Created' },
          { label: 'Template' },
          { label: 'Channel' },
          { label: 'Delivery' },
          { label: 'Attempts', class: 'num' },
          { label: 'Last error' },
          { label: 'Sent' },
          canRetry && { label: <span class="visually-hidden">Actions</span> },
        ]}
        rows={notifications}
        row={(n) => (
          <tr key={n.delivery_id} class={n.status === 'failed' ? 'row--bad' : undefined}>
            <td>
              <Time iso={n.created_at} />
            </td>
            <td>{humanize(n.template)}</td>
            <td>{n.channel}</td>
            <td>
              <Badge value={n.status} />
            </td>
            <td class="num">{n.attempts}</td>
            <td>{n.last_error ?? '—'}</td>
            <td>
              <Time iso={n.sent_at} />
            </td>
            {canRetry && (
              <td>
                {n.status === 'failed' && (
                  <button
                    type="button"
                    class="button button--small"
                    data-action="retry-notification"
                    disabled={busy === n.delivery_id}
                    onClick={() => {
                      setBusy(n.delivery_id);
                      void act(
                        () =>
                          api(`/v1/notifications/deliveries/${n.delivery_id}/retry`, {
                            method: 'POST',
                          }),
                        'Retrying the notification',
                        'Notification queued again.',
                      ).finally(() => setBusy(null));
                    }}
                  >
                    Retry<span class="visually-hidden"> the {n.channel} notification</span>
                  </button>
                )}
              </td>
            )}
          </tr>
        )}
      />
    </Section>
  );
}

export function BankAccountsSection({
  accounts,
  canRerun,
  act,
}: {
  accounts: BankAccountRequest[];
  canRerun: boolean;
  act: Act;
}) {
  const [busy, setBusy] = useState<string | null>(null);
  return (
    <Section id="bank-accounts" title="Bank accounts" count={accounts.length}>
      <DataTable
        empty="No bank account setups."
        columns={[
          { label: 'Requested' },
          { label: 'Account' },
          { label: 'Bank' },
          { label: 'Status' },
          { label: 'Error' },
          canRerun && { label: <span class="visually-hidden">Actions</span> },
        ]}
        rows={accounts}
        row={(account) => (
          <tr key={account.request_id} class={account.error_type ? 'row--bad' : undefined}>
            <td>
              <Time iso={account.created_at} />
            </td>
            <td>
              {account.account_last4 ? (
                <span>
                  <span aria-hidden="true">•••• </span>
                  <span class="visually-hidden">ending in </span>
                  {account.account_last4}
                </span>
              ) : (
                '—'
              )}
            </td>
            <td>{account.bank_name ?? '—'}</td>
            <td>
              <Badge value={account.status} />
            </td>
            <td>{account.error_type ? humanize(account.error_type) : '—'}</td>
            {canRerun && (
              <td>
                {rerunnable(account) && (
                  <button
                    type="button"
                    class="button button--small"
                    data-action="rerun-bank-setup"
                    disabled={busy === account.request_id}
                    onClick={() => {
                      setBusy(account.request_id);
                      void act(
                        () =>
                          api(`/v1/bank-accounts/requests/${account.request_id}/retry`, {
                            method: 'POST',
                          }),
                        'Re-running the bank account setup',
                        'Bank account setup queued again.',
                      ).finally(() => setBusy(null));
                    }}
                  >
                    Re-run setup
                  </button>
                )}
              </td>
            )}
          </tr>
        )}
      />
    </Section>
  );
}

export function AuditSection({ audit }: { audit: AuditEntry[] }) {
  return (
    <Section id="audit" title="Audit trail" count={audit.length}>
      <DataTable
        empty="Nothing recorded."
        columns={[{ label: 'When' }, { label: 'Who' }, { label: 'What' }, { label: 'Details' }]}
        rows={audit}
        row={(entry, index) => (
          <tr key={`${entry.at}-${index}`}>
            <td>
              <Time iso={entry.at} />
            </td>
            <td>{entry.actor ?? '—'}</td>
            <td>{humanize(entry.action)}</td>
            <td>{entry.summary ?? '—'}</td>
          </tr>
        )}
      />
    </Section>
  );
}
