const ORIGIN = 'http://next.invalid';

/**
 * Where to go after sign-in: only a path on this site, never "//evil.example".
 * Browsers drop tabs and line breaks from a URL and read a backslash as "/",
 * so "/<TAB>/evil.example" would leave the site too: such characters are refused anywhere.
 * The path comes back percent-encoded: a raw "/тест" in a Location header makes
 * Node throw while the response is being written, long after any handler could catch it.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || /[\u0000-\u001f\u007f\\]/.test(next)) return '/';
  let url: URL;
  try {
    url = new URL(next, ORIGIN);
  } catch {
    return '/';
  }
  const path = url.pathname + url.search + url.hash;
  return url.origin === ORIGIN && /^\/[\u0021-\u007e]*$/.test(path) && !path.startsWith('//') ? path : '/';
}
