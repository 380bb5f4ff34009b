import type { FastifyRequest } from 'fastify';

export type SignInMethod = 'password' | 'esia';

declare module 'fastify' {
  interface Session {
    /** How this session was signed in, for the list of sessions in «Профиль». */
    signInMethod?: SignInMethod;
  }
}

/** Starts the resident's session, whichever way they proved who they are. */
export async function startResidentSession(request: FastifyRequest, residentId: number, method: SignInMethod): Promise<void> {
  const userAgent = request.headers['user-agent']?.slice(0, 300) ?? null;
  // A new session id, so that an id planted before sign-in is worth nothing after it.
  await request.session.regenerate();
  request.session.residentId = residentId;
  if (userAgent) request.session.userAgent = userAgent;
  request.session.ip = request.ip;
  request.session.signInMethod = method;
}
