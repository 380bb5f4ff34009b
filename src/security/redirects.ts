/**
 * Where to go after sign-in: only a path on this site, never "//evil.example".
 * Browsers drop tabs and line breaks from a URL and read a backslash as "/",
 * so "/<TAB>/evil.example" would leave the site too: such characters are refused anywhere.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || /[\u0000-\u001f\u007f\\]/.test(next)) return '/';
  return next;
}

