import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import { DataTable } from '../components/data-table';
import { useReportError } from '../components/feedback';
import { checksOf, flowName, formatDateTime, formatDuration, humanize } from '../format';
import { customerHref, hasNavigated } from '../router';
import type { StuckGroup } from '../types';

/** Every customer stuck past seed 000's normal time for their stage, grouped by stage, with what to check. */
export function StuckNow() {
  const report = useReportError();
  const [groups, setGroups] = useState<StuckGroup[] | null>(null);
  const [loading, setLoading] = useState(true);
  const [version, setVersion] = useState(0);
  const title = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (hasNavigated()) title.current?.focus();
  }, []);
  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    api<{ data: StuckGroup[] }>('/v1/console/stuck', { signal: controller.signal })
      .then((body) => setGroups(body.data))
      .catch((error: unknown) => report(error, 'Loading the stuck customers'))
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [version, report]);

  const total = groups?.reduce((sum, group) => sum + group.customers.length, 0) ?? 0;
  return (
    <section aria-labelledby="stuck-now-title">
      <div class="title-row">
        <h1 id="stuck-now-title" tabIndex={-1} ref={title}>
          Stuck now
        </h1>
        <button type="button" class="button" onClick={() => setVersion((v) => v + 1)} disabled={loading}>
          Refresh
        </button>
      </div>
      <p role="status" class="status">
        {loading
          ? 'Loading…'
          : groups
            ? total === 0
              ? 'Nobody is stuck.'
              : `${total} ${total === 1 ? 'customer' : 'customers'} stuck at ${groups.length} ${groups.length === 1 ? 'stage' : 'stages'}.`
            : ''}
      </p>
      {groups?.map((group) => {
        const id = `stuck-${group.flow}-${group.stage}`;
        return (
          <section key={id} class="panel" aria-labelledby={`${id}-title`} data-stage={group.stage}>
            <h2 id={`${id}-title`}>
              {group.stage_name} <span class="muted">({flowName(group.flow)})</span>
              <span class="count"> · {group.customers.length}</span>
            </h2>
            <p class="muted">Normally moves on within {formatDuration(group.normal_max_ms)}.</p>
            <h3>What to check</h3>
            <ul class="checks">
              {checksOf(group.check).map((check) => (
                <li key={check}>{check}</li>
              ))}
            </ul>
            <DataTable
              columns={[
                { label: 'Customer' },
                { label: 'Number' },
                { label: 'Since' },
                { label: 'Stuck for' },
                { label: 'Error' },
              ]}
              rows={group.customers}
              row={(c) => (
                <tr key={`${c.customer_id}-${c.since}`}>
                  <th scope="row">
                    <a href={customerHref(c.customer_id)}>{c.name}</a>
                  </th>
                  <td>{c.customer_number}</td>
                  <td>
                    <time dateTime={c.since}>{formatDateTime(c.since, true)}</time>
                  </td>
                  <td>{formatDuration(c.stuck_for_ms)}</td>
                  <td>{c.error_type ? humanize(c.error_type) : '—'}</td>
                </tr>
              )}
            />
          </section>
        );
      })}
    </section>
  );
}
