import { useEffect, useRef, useState } from 'preact/hooks';
import { api, isAbort } from '../api';
import { Badge, useReportError } from '../components/feedback';
import { customerHref, navigate, replaceSearchQuery } from '../router';
import type { Hit, MatchedBy } from '../types';

const MATCHED: Record<MatchedBy, string> = {
  customer_number: 'customer number',
  name: 'name',
  email: 'email',
  phone: 'phone',
  ticket_number: 'ticket number',
  payment_id: 'payment id',
  session_id: 'session id',
};

interface Results {
  q: string;
  hits: Hit[];
}

const searchPath = (q: string) => `/v1/console/search?q=${encodeURIComponent(q)}`;

/** One box for everything an agent is given: number, name, email, phone, ticket number, payment or session id. */
export function Search({ initialQuery }: { initialQuery: string }) {
  const report = useReportError();
  const [q, setQ] = useState(initialQuery);
  const [results, setResults] = useState<Results | null>(null);
  const [loading, setLoading] = useState(false);
  const [hint, setHint] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const pending = useRef<AbortController | null>(null);

  useEffect(() => {
    input.current?.focus();
    return () => pending.current?.abort();
  }, []);

  const run = async (text: string): Promise<Results | null> => {
    pending.current?.abort();
    const controller = new AbortController();
    pending.current = controller;
    setLoading(true);
    try {
      const body = await api<{ data: Hit[] }>(searchPath(text), { signal: controller.signal });
      const next = { q: text, hits: body.data };
      setResults(next);
      return next;
    } catch (error) {
      if (!isAbort(error)) report(error, 'Searching');
      return null;
    } finally {
      if (pending.current === controller) {
        pending.current = null;
        setLoading(false);
      }
    }
  };

  // Results as the agent types (debounced); Enter opens the first hit.
  useEffect(() => {
    const text = q.trim();
    replaceSearchQuery(text);
    if (text.length < 2) {
      pending.current?.abort();
      setResults(null);
      setLoading(false);
      return;
    }
    const timer = setTimeout(() => void run(text), 250);
    return () => clearTimeout(timer);
  }, [q]);

  const submit = async (event: Event) => {
    event.preventDefault();
    const text = q.trim();
    if (text.length < 2) {
      setHint('Type at least 2 characters.');
      input.current?.focus();
      return;
    }
    setHint(null);
    const found = results && results.q === text && !loading ? results : await run(text);
    if (found && found.hits.length > 0) navigate(customerHref(found.hits[0].customer_id));
  };

  const text = q.trim();
  const status = loading
    ? 'Searching…'
    : results
      ? results.hits.length === 0
        ? `No customer matches “${results.q}”.`
        : `${results.hits.length} ${results.hits.length === 1 ? 'customer' : 'customers'} found for “${results.q}”. Press Enter to open the first.`
      : text.length > 0 && text.length < 2
        ? 'Type at least 2 characters.'
        : '';

  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">Find a customer</h1>
      <form role="search" class="search" onSubmit={(e) => void submit(e)}>
        <label for="q">Customer number, name, email, phone, ticket number, payment or session id</label>
        <div class="search__row">
          <input
            id="q"
            ref={input}
            type="search"
            name="q"
            autocomplete="off"
            spellcheck={false}
            maxLength={200}
            aria-describedby="search-status"
            value={q}
            onInput={(e) => setQ(e.currentTarget.value)}
          />
          <button type="submit" class="button button--primary">
            Open
          </button>
        </div>
      </form>
      <p id="search-status" role="status" class="status">
        {hint ?? status}
      </p>
      {results && results.hits.length > 0 && (
        <ul class="hits" aria-label="Matching customers">
          {results.hits.map((hit) => (
            <li key={hit.customer_id}>
              <a class="hit" href={customerHref(hit.customer_id)}>
                <span class="hit__name">{hit.name}</span>
                <span class="hit__number">{hit.customer_number}</span>
                <span class="hit__contact">{[hit.email, hit.phone].filter(Boolean).join(' · ') || '—'}</span>
                <Badge value={hit.status} />
                <span class="hit__match">matched by {MATCHED[hit.matched_by] ?? hit.matched_by}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
