import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { name: 'search'; q: string }
  | { name: 'customer'; id: string }
  | { name: 'stuck' }
  | { name: 'not-found'; path: string };

/** Hash routes: #/search[?q=…], #/customers/:id, #/stuck. The page itself is one static file. */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/search';
  const [path, query = ''] = raw.split('?', 2);
  if (path === '/' || path === '/search')
    return { name: 'search', q: new URLSearchParams(query).get('q') ?? '' };
  if (path === '/stuck') return { name: 'stuck' };
  const customer = /^\/customers\/([0-9a-fA-F-]{36})$/.exec(path);
  if (customer) return { name: 'customer', id: customer[1].toLowerCase() };
  return { name: 'not-found', path };
}

let hashChanges = 0;

/**
 * Whether the user has moved between views in this page load. A view moves focus to its heading only
 * then (so screen readers announce the new view); on a fresh load focus stays at the top, where the first
 * Tab reaches the skip link.
 */
export const hasNavigated = (): boolean => hashChanges > 0;

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => {
      hashChanges += 1;
      setRoute(parseRoute(location.hash));
    };
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

export const customerHref = (id: string): string => `#/customers/${encodeURIComponent(id)}`;

export function navigate(href: string): void {
  location.hash = href.replace(/^#/, '');
}

/** Keeps the search text in the address (back returns to it) without adding a history entry per key. */
export function replaceSearchQuery(q: string): void {
  const href = q ? `#/search?q=${encodeURIComponent(q)}` : '#/search';
  if (location.hash !== href) history.replaceState(history.state, '', href);
}
