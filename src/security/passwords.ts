import argon2 from 'argon2';
import { readFileSync } from 'node:fs';
import { inProject } from '../lib/project-folder.js';
import { field } from './input.js';

// argon2id with the OWASP minimum: 19 MiB of memory, 2 passes, 1 lane.
const OPTIONS = { type: argon2.argon2id, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** Hash of a random string, verified against when the account does not exist, so timing does not tell. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword('no-such-account-' + Math.random());
  return dummyHash;
}

export const MIN_PASSWORD_LENGTH = 10;
/** Far above any real password; keeps a hash request from carrying megabytes. */
export const MAX_PASSWORD_LENGTH = 256;

const commonPasswords = new Set(
  readFileSync(inProject('src/security/common-passwords.txt'), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#')),
);

export function isCommonPassword(password: string): boolean {
  return commonPasswords.has(password.toLowerCase());
}

export function commonPasswordCount(): number {
  return commonPasswords.size;
}

/** Why the password is not acceptable, in Russian, or null when it is. */
export function passwordProblem(password: string, email: string): string | null {
  const length = [...password].length;
  if (length === 0) return 'Введите пароль';
  if (length < MIN_PASSWORD_LENGTH) return `Пароль должен быть не короче ${MIN_PASSWORD_LENGTH} символов`;
  if (length > MAX_PASSWORD_LENGTH) return `Пароль должен быть не длиннее ${MAX_PASSWORD_LENGTH} символов`;
  const lower = password.toLowerCase();
  const address = email.trim().toLowerCase();
  if (address !== '' && (lower === address || lower === address.split('@')[0])) {
    return 'Пароль не должен совпадать с адресом электронной почты';
  }
  if (isCommonPassword(password)) return 'Этот пароль слишком распространён, его легко подобрать. Придумайте другой';
  return null;
}

/**
 * The «Пароль» / «Повторите пароль» pair of a form: the message for the first field
 * that is wrong, keyed by its name, or nothing. `email` is the account's address,
 * which the password must not repeat.
 */
export function newPasswordErrors(body: unknown, email: string): Partial<Record<'password' | 'password_repeat', string>> {
  const password = field(body, 'password');
  const problem = passwordProblem(password, email);
  if (problem) return { password: problem };
  if (field(body, 'password_repeat') !== password) return { password_repeat: 'Пароли не совпадают' };
  return {};
}

