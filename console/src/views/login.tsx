import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, tokenStore } from '../api';
import type { Me } from '../types';

const STAFF_ROLES = ['viewer', 'agent', 'manager', 'admin'];

/** Paste a staff token (as `npm run token` mints); it is checked against /v1/me and kept in sessionStorage. */
export function Login({ onSignedIn, notice }: { onSignedIn: (me: Me) => void; notice: string | null }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => field.current?.focus(), []);

  const submit = async (event: Event) => {
    event.preventDefault();
    const value = token.trim().replace(/^bearer\s+/i, '');
    if (!value) {
      setError('Paste a staff token first.');
      field.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    tokenStore.set(value);
    try {
      const me = await api<Me>('/v1/me');
      if (!me.roles.some((role) => STAFF_ROLES.includes(role))) {
        tokenStore.clear();
        setError('This token is not a staff token: the console is for viewers, agents, managers and admins.');
        return;
      }
      setToken('');
      onSignedIn(me);
    } catch (e) {
      tokenStore.clear();
      setError(
        e instanceof ApiError && e.status === 401
          ? 'The service refused this token (expired, or signed with another secret).'
          : e instanceof ApiError
            ? (e.problem.detail ?? e.problem.title ?? 'The token could not be checked.')
            : 'The token could not be checked.',
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="login" aria-labelledby="login-title">
      <h1 id="login-title">Sign in to the support console</h1>
      {notice && <p class="notice">{notice}</p>}
      <form onSubmit={(e) => void submit(e)} noValidate>
        <label for="token">Staff token</label>
        <p id="token-help" class="hint">
          Paste the bearer token you were given (for development:{' '}
          <code>npm run -s token -- --company &lt;uuid&gt; --role agent</code>). It is hidden as you paste it,
          stays in this tab only and is forgotten when the tab closes.
        </p>
        <input
          id="token"
          ref={field}
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          aria-describedby={error ? 'token-help token-error' : 'token-help'}
          aria-invalid={error ? true : undefined}
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
        {error && (
          <p id="token-error" class="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="button button--primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </section>
  );
}
