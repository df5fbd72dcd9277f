import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, isAbort } from '../api';
import { Badge, useReportError } from '../components/feedback';
import { formatDateTime } from '../format';
import { markCustomerData, markCustomerRendered } from '../perf';
import { hasNavigated } from '../router';
import type { CustomerDocument } from '../types';
import {
  AuditSection,
  BankAccountsSection,
  ChangeStatusForm,
  CreditPanel,
  JourneySection,
  NotificationsSection,
  PaymentsSection,
  SessionsSection,
  StuckBanner,
  SuggestedResponse,
  TicketsSection,
  type Act,
} from './customer-sections';

const SECTIONS: Array<{ id: string; label: string; count?: (doc: CustomerDocument) => number }> = [
  { id: 'journey', label: 'Journey', count: (d) => d.journey.events.length },
  { id: 'tickets', label: 'Tickets', count: (d) => d.tickets.length },
  { id: 'payments', label: 'Payments', count: (d) => d.payments.length },
  { id: 'sessions', label: 'Sessions', count: (d) => d.sessions.length },
  { id: 'notifications', label: 'Notifications', count: (d) => d.notifications.length },
  { id: 'bank-accounts', label: 'Bank accounts', count: (d) => d.bank_accounts.length },
  { id: 'audit', label: 'Audit trail', count: (d) => d.audit.length },
];

/** Moves keyboard focus to a section heading (in-page anchors would fight the hash router). */
function jumpTo(id: string): void {
  const heading = document.getElementById(`${id}-title`);
  if (!heading) return;
  heading.scrollIntoView({ block: 'start' });
  heading.focus({ preventScroll: true });
}

/** Everything about one customer, from one API call (GET /v1/console/customers/:id). */
export function Customer({ id }: { id: string }) {
  const report = useReportError();
  const [doc, setDoc] = useState<CustomerDocument | null>(null);
  const [loading, setLoading] = useState(true);
  const [notFound, setNotFound] = useState(false);
  const [message, setMessage] = useState('');
  const [version, setVersion] = useState(0);
  const title = useRef<HTMLHeadingElement>(null);
  const focused = useRef<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setNotFound(false);
    api<CustomerDocument>(`/v1/console/customers/${encodeURIComponent(id)}`, { signal: controller.signal })
      .then((body) => {
        markCustomerData();
        setDoc(body);
      })
      .catch((error: unknown) => {
        if (isAbort(error)) return;
        if (error && typeof error === 'object' && 'status' in error && error.status === 404) {
          setDoc(null);
          setNotFound(true);
        } else report(error, 'Loading the customer');
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [id, version, report]);

  // Right after preact committed the view to the DOM: the render measure (taken at the next frame).
  useLayoutEffect(() => {
    if (doc && doc.customer.id === id) markCustomerRendered(id);
  }, [doc, id]);

  // Focus on the heading once per customer.
  useEffect(() => {
    if (!doc || doc.customer.id !== id) return;
    if (focused.current !== id) {
      focused.current = id;
      if (hasNavigated()) title.current?.focus();
    }
  }, [doc, id]);

  const act: Act = async (run, what, done) => {
    setMessage(`${what}…`);
    try {
      await run();
      setMessage(done);
      setVersion((v) => v + 1);
      return true;
    } catch (error) {
      setMessage('');
      report(error, what);
      return false;
    }
  };

  const current = doc && doc.customer.id === id ? doc : null;
  return (
    <div class="customer">
      <p role="status" class="status">
        {loading && !current ? 'Loading the customer…' : message}
      </p>
      {notFound && (
        <section aria-labelledby="nf-title">
          <h1 id="nf-title">Customer not found</h1>
          <p>
            No customer with this id in your company. <a href="#/search">Search again</a>.
          </p>
        </section>
      )}
      {current && <CustomerView doc={current} act={act} title={title} />}
    </div>
  );
}

function CustomerView({
  doc,
  act,
  title,
}: {
  doc: CustomerDocument;
  act: Act;
  title: { current: HTMLHeadingElement | null };
}) {
  const { customer, permissions } = doc;
  return (
    <>
      <header class="customer__header">
        <div class="customer__identity">
          <h1 id="customer-title" tabIndex={-1} ref={title}>
            {customer.name}
          </h1>
          <dl class="facts">
            <div>
              <dt>Number</dt>
              <dd>{customer.customer_number}</dd>
            </div>
            <div>
              <dt>Status</dt>
              <dd>
                <Badge value={customer.status} />
              </dd>
            </div>
            <div>
              <dt>Email</dt>
              <dd>{customer.email ?? '—'}</dd>
            </div>
            <div>
              <dt>Phone</dt>
              <dd>{customer.phone ?? '—'}</dd>
            </div>
            <div>
              <dt>Customer since</dt>
              <dd>
                <time dateTime={customer.created_at}>{formatDateTime(customer.created_at)}</time>
              </dd>
            </div>
            {customer.tags && customer.tags.length > 0 && (
              <div>
                <dt>Tags</dt>
                <dd>{customer.tags.join(', ')}</dd>
              </div>
            )}
          </dl>
          {permissions.change_status && <ChangeStatusForm customer={customer} act={act} />}
        </div>
        <CreditPanel credit={doc.credit} />
      </header>

      {doc.journey.stuck ? (
        <StuckBanner doc={doc} act={act} />
      ) : (
        <SuggestedResponse events={doc.journey.events} />
      )}

      <nav class="jump" aria-label="Sections of this customer">
        <ul>
          {SECTIONS.map((section) => (
            <li key={section.id}>
              <button type="button" class="button button--quiet" onClick={() => jumpTo(section.id)}>
                {section.label}
                {section.count ? ` (${section.count(doc)})` : ''}
              </button>
            </li>
          ))}
        </ul>
      </nav>

      <JourneySection events={doc.journey.events} />
      <TicketsSection tickets={doc.tickets} canComment={permissions.comment} act={act} />
      <PaymentsSection payments={doc.payments} />
      <SessionsSection sessions={doc.sessions} />
      <NotificationsSection
        notifications={doc.notifications}
        canRetry={permissions.retry_notification}
        act={act}
      />
      <BankAccountsSection accounts={doc.bank_accounts} canRerun={permissions.rerun_bank_setup} act={act} />
      <AuditSection audit={doc.audit} />
    </>
  );
}
