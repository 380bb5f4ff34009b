// npm run staff:create -- --email admin@example.ru --role admin [--role moderator] [--name "Иван Петров"]
// Creates an invited staff member (the first admin of a new installation) and
// prints the link that sets their password. Run again for a new link while the
// password is not set yet.
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { configOrExit, dbFor } from '../boot.js';
import { ROLES, parseRoles } from '../backoffice/staff/roles.js';
import { INVITATION_TTL_MS, inviteStaff, reinviteStaff } from '../backoffice/staff/service.js';
import { createClock } from '../lib/calendar.js';
import { normaliseEmail } from '../security/contacts.js';

function fail(message: string): never {
  console.error(message);
  console.error(`Usage: npm run staff:create -- --email name@example.ru --role ${ROLES.join('|')} [--role …] [--name "ФИО"]`);
  process.exit(1);
}

let args;
try {
  args = parseArgs({
    options: { email: { type: 'string' }, role: { type: 'string', multiple: true }, name: { type: 'string' } },
    strict: true,
  }).values;
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const email = normaliseEmail(args.email ?? '');
if (!email) fail('--email must be an email address.');
const requested = (args.role ?? []).flatMap((role) => role.split(',')).map((role) => role.trim());
const roles = parseRoles(requested);
if (roles.length === 0 || roles.length !== new Set(requested).size) fail(`--role must be one or more of: ${ROLES.join(', ')}.`);
const fullName = args.name?.trim() || email.split('@')[0]!;

const config = configOrExit();
const db = dbFor(config);
const now = createClock(config.appToday).now();
try {
  const link = await db.transaction().execute(async (trx) => {
    const input = { by: { staffId: null }, now, publicUrl: config.publicUrl };
    const invited = await inviteStaff(trx, { email, fullName, roles, ...input });
    if (invited.ok) return invited.link;
    const existing = await trx.selectFrom('staff').select('id').where(sql<string>`lower(email)`, '=', email).executeTakeFirstOrThrow();
    const again = await reinviteStaff(trx, { staffId: existing.id, ...input });
    return again.ok ? again.link : null;
  });
  if (!link) {
    console.error(`${email} already has a password (or is switched off): manage them at ${config.publicUrl}/admin/staff.`);
    process.exitCode = 1;
  } else {
    console.log(`Staff member ${email} (${roles.join(', ')}) is invited.`);
    console.log(`Link to set the password (valid ${INVITATION_TTL_MS / 3600_000} hours, also emailed):`);
    console.log(link);
  }
} finally {
  await db.destroy();
}
