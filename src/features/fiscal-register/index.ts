import type { Config } from '../../config.js';
import type { Db } from '../../db/index.js';
import type { Clock } from '../../lib/calendar.js';
import type { FiscalRegister } from './register.js';
import { SandboxFiscalRegister } from './sandbox.js';

/**
 * The register receipts go through. Outside production the sandbox; production
 * needs a real register's adapter, and until one is configured a receipt job fails
 * loudly (and is retried) rather than pretending to fiscalise.
 */
export function fiscalRegisterFor(ctx: { db: Db; clock: Clock; config: Config }): FiscalRegister {
  if (ctx.config.isProduction) throw new Error('no online register is configured for production: add a FiscalRegister adapter');
  return new SandboxFiscalRegister(ctx.db, ctx.clock, ctx.config.publicUrl);
}
