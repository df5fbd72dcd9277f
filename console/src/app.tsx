import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, onUnauthorized, tokenStore } from './api';
import { AlertRegion, ReportErrorContext, toShownProblem, type ShownProblem } from './components/feedback';
import { timeZone } from './format';
import { useRoute, type Route } from './router';
import type { Me } from './types';
import { Customer } from './views/customer';
import { Login } from './views/login';
import { Search } from './views/search';
import { StuckNow } from './views/stuck';

type Session =
  { state: 'checking' } | { state: 'signed-out'; notice: string | null } | { state: 'signed-in'; me: Me };

export function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session>(() =>
    tokenStore.get() ? { state: 'checking' } : { state: 'signed-out', notice: null },
  );
  const [problem, setProblem] = useState<ShownProblem | null>(null);
  const main = useRef<HTMLElement>(null);

  const report = useCallback((error: unknown, context?: string) => {
    const shown = toShownProblem(error, context);
    if (shown) setProblem(shown);
  }, []);

  // A token from earlier in this tab: check it is still accepted.
  useEffect(() => {
    if (session.state !== 'checking') return;
    api<Me>('/v1/me')
      .then((me) => setSession({ state: 'signed-in', me }))
      .catch((error: unknown) => {
        tokenStore.clear();
        setSession({
          state: 'signed-out',
          notice:
            error instanceof ApiError && error.status === 401
              ? 'Your token has expired: sign in again.'
              : null,
        });
      });
  }, [session.state]);

  useEffect(
    () =>
      onUnauthorized(() => {
        tokenStore.clear();
        setProblem(null);
        setSession({
          state: 'signed-out',
          notice: 'The service no longer accepts your token: sign in again.',
        });
      }),
    [],
  );

  // A new view starts without the previous view's error.
  useEffect(() => setProblem(null), [route]);

  const signOut = () => {
    tokenStore.clear();
    setProblem(null);
    setSession({ state: 'signed-out', notice: 'Signed out.' });
  };

  const skipToMain = (event: Event) => {
    event.preventDefault();
    main.current?.focus();
  };

  const signedIn = session.state === 'signed-in' ? session.me : null;
  return (
    <ReportErrorContext.Provider value={report}>
      <a class="skip-link" href="#main" onClick={skipToMain}>
        Skip to main content
      </a>
      <header class="topbar">
        <p class="topbar__brand">custops support console</p>
        {signedIn && (
          <nav aria-label="Main">
            <ul>
              <li>
                <a href="#/search" aria-current={route.name === 'search' ? 'page' : undefined}>
                  Search
                </a>
              </li>
              <li>
                <a href="#/stuck" aria-current={route.name === 'stuck' ? 'page' : undefined}>
                  Stuck now
                </a>
              </li>
            </ul>
          </nav>
        )}
        <p class="topbar__zone" data-testid="time-zone">
          Times in {timeZone}
        </p>
        {signedIn && (
          <div class="topbar__user">
            <span>
              {signedIn.company?.name ?? 'Company'} · {signedIn.roles.join(', ')}
            </span>
            <button type="button" class="button button--quiet button--on-dark" onClick={signOut}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <AlertRegion problem={problem} onDismiss={() => setProblem(null)} />
        {session.state === 'checking' && (
          <p role="status" class="status">
            Checking your token…
          </p>
        )}
        {session.state === 'signed-out' && (
          <Login
            notice={session.notice}
            onSignedIn={(me) => {
              setProblem(null);
              setSession({ state: 'signed-in', me });
              // The sign-in form is gone: keep focus in the page (a view may take it first, e.g. the search box).
              requestAnimationFrame(() => {
                if (!document.activeElement || document.activeElement === document.body)
                  main.current?.focus();
              });
            }}
          />
        )}
        {signedIn && <View route={route} />}
      </main>
    </ReportErrorContext.Provider>
  );
}

function View({ route }: { route: Route }) {
  switch (route.name) {
    case 'search':
      return <Search initialQuery={route.q} />;
    case 'customer':
      return <Customer key={route.id} id={route.id} />;
    case 'stuck':
      return <StuckNow />;
    case 'not-found':
      return (
        <section aria-labelledby="nf-title">
          <h1 id="nf-title">Page not found</h1>
          <p>
            Nothing lives at <code>{route.path}</code>. <a href="#/search">Find a customer</a>.
          </p>
        </section>
      );
  }
}
