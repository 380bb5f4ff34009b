import * as oidc from 'openid-client';
import type { EsiaConfig } from '../../config.js';
import { ESIA_SCOPE, personFromClaims, type EsiaPerson } from './rules.js';

/** What the browser must bring back: kept in the resident's session, never in the URL. */
export type FlowChecks = { state: string; nonce: string; codeVerifier: string };

export type EsiaOutcome =
  | { kind: 'person'; person: EsiaPerson }
  /** The person pressed «Отказаться» (access_denied), with a state that matched. */
  | { kind: 'refused' }
  /** A forged, replayed or otherwise wrong answer: nothing from it may be used. */
  | { kind: 'invalid'; reason: string }
  /** ЕСИА could not be reached or answered with a server error. */
  | { kind: 'unavailable'; reason: string };

/**
 * The OpenID Connect client for ЕСИА (openid-client): discovery from the issuer,
 * the authorization-code flow with PKCE (S256), state and nonce, and the claims
 * from UserInfo. The library checks the ID token's signature, issuer, audience,
 * expiry and nonce. Discovery happens on first use (the sandbox issuer may be
 * this very process, not yet listening when the app is built) and is retried
 * after a failure.
 */
export class EsiaClient {
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(
    private readonly esia: EsiaConfig,
    private readonly redirectUri: string,
  ) {}

  private discover(): Promise<oidc.Configuration> {
    this.configuration ??= oidc
      .discovery(new URL(this.esia.issuer), this.esia.clientId, undefined, oidc.ClientSecretBasic(this.esia.clientSecret), {
        // Outside production the issuer may be the plain-HTTP sandbox; production requires https (see config).
        execute: this.esia.issuer.startsWith('http:') ? [oidc.allowInsecureRequests] : [],
        timeout: 10,
      })
      .catch((error: unknown) => {
        this.configuration = undefined;
        throw error;
      });
    return this.configuration;
  }

  /** The address of ЕСИА's sign-in page and the checks to keep until the callback. */
  async start(): Promise<{ url: string; checks: FlowChecks } | { unavailable: string }> {
    let configuration: oidc.Configuration;
    try {
      configuration = await this.discover();
    } catch (error) {
      return { unavailable: describe(error) };
    }
    const checks = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: ESIA_SCOPE,
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, checks };
  }

  /** Checks the callback against the kept checks, exchanges the code and reads the person. */
  async finish(callbackUrl: URL, checks: FlowChecks): Promise<EsiaOutcome> {
    let configuration: oidc.Configuration;
    try {
      configuration = await this.discover();
    } catch (error) {
      return { kind: 'unavailable', reason: describe(error) };
    }
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const subject = tokens.claims()?.sub;
      if (!subject) return { kind: 'invalid', reason: 'no ID token subject' };
      const claims = await oidc.fetchUserInfo(configuration, tokens.access_token, subject);
      const person = personFromClaims(claims);
      return person ? { kind: 'person', person } : { kind: 'invalid', reason: 'UserInfo without a subject or a level' };
    } catch (error) {
      if (error instanceof oidc.AuthorizationResponseError && error.error === 'access_denied') return { kind: 'refused' };
      if (isUnreachable(error)) return { kind: 'unavailable', reason: describe(error) };
      return { kind: 'invalid', reason: describe(error) };
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof oidc.ResponseBodyError) return `${error.error}: ${error.error_description ?? ''}`.trim();
  if (error instanceof Error) return `${(error as { code?: string }).code ?? error.name}: ${error.message}`;
  return String(error);
}

/** A network failure or a 5xx from ЕСИА, as opposed to an answer that refuses this callback. */
function isUnreachable(error: unknown): boolean {
  if (error instanceof oidc.ResponseBodyError) return error.status >= 500;
  if (error instanceof TypeError && error.message === 'fetch failed') return true;
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}
