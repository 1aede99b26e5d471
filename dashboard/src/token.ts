const KEY = 'flashsale.adminToken';

/**
 * The admin token: taken from the link's fragment (#token=…, which browsers
 * never send to a server), kept in this tab's sessionStorage, and wiped from
 * the address bar at once.
 */
export function takeToken(): string | undefined {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const fromLink = fragment.get('token');
  if (fromLink !== null && fromLink !== '') {
    sessionStorage.setItem(KEY, fromLink);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}
