import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../db/index.js';
import type { IdentityStatus, StaffRole } from '../db/schema.js';
import { renderError } from './errors.js';
import type { ResidentOwner, StaffOwner } from './session-store.js';

export type CurrentResident = { id: number; email: string; phone: string; identityStatus: IdentityStatus };
export type CurrentStaff = { id: number; email: string; fullName: string; roles: StaffRole[] };

declare module 'fastify' {
  interface FastifyRequest {
    resident: CurrentResident | null;
    staff: CurrentStaff | null;
  }
}

function signInRedirect(request: FastifyRequest, reply: FastifyReply, loginPath: string) {
  const url = `${loginPath}?next=${encodeURIComponent(request.url)}`;
  // fetch would follow a 303 and htmx would swap the sign-in page into a fragment's place.
  if (request.wantsFragment) return reply.header('HX-Redirect', url).code(204).send();
  return reply.redirect(url, 303);
}

/** Loads the signed-in resident (if any) for every request of the resident area. */
export const residentLoader = fp<{ db: Db }>(
  async (app, { db }) => {
    app.decorateRequest('resident', null);
    app.addHook('preHandler', async (request, reply) => {
      const id = request.session.residentId;
      if (id === undefined) return;
      // Read with the session in one statement; the query is for a session changed in this request.
      const loaded = request.sessionOwner as ResidentOwner | null;
      const row =
        loaded?.id === id
          ? loaded
          : await db.selectFrom('residents').select(['id', 'email', 'phone', 'identity_status']).where('id', '=', id).executeTakeFirst();
      if (!row) {
        await request.session.destroy();
        return;
      }
      request.resident = { id: row.id, email: row.email, phone: row.phone, identityStatus: row.identity_status };
      reply.locals.resident = request.resident;
    });
  },
  { name: 'resident-loader' },
);

/**
 * The signed-in resident of a request that passed `requireResident`. Calling it
 * anywhere else is a programming error, and says so instead of reading null.
 */
export function signedInResident(request: FastifyRequest): CurrentResident {
  if (!request.resident) throw new Error('signedInResident() outside a requireResident subtree');
  return request.resident;
}

/** The signed-in staff member of a request that passed `requireStaff`. */
export function signedInStaff(request: FastifyRequest): CurrentStaff {
  if (!request.staff) throw new Error('signedInStaff() outside a requireStaff subtree');
  return request.staff;
}

/** Guard for a whole subtree of resident pages: anonymous visitors go to sign-in. */
export const requireResident: preHandlerAsyncHookHandler = async (request, reply) => {
  if (!request.resident) return signInRedirect(request, reply, '/login');
};

/** Loads the signed-in, active staff member for every request under /admin. */
export const staffLoader = fp<{ db: Db }>(
  async (app, { db }) => {
    app.decorateRequest('staff', null);
    app.addHook('preHandler', async (request, reply) => {
      const id = request.session.staffId;
      if (id === undefined) return;
      const loaded = request.sessionOwner as StaffOwner | null;
      const row =
        loaded?.id === id
          ? loaded
          : await db.selectFrom('staff').select(['id', 'email', 'full_name', 'roles', 'active']).where('id', '=', id).executeTakeFirst();
      if (!row || !row.active) {
        await request.session.destroy();
        return;
      }
      request.staff = { id: row.id, email: row.email, fullName: row.full_name, roles: row.roles };
      reply.locals.staff = request.staff;
    });
  },
  { name: 'staff-loader' },
);

/**
 * Guard for a back-office subtree: anonymous visitors go to the staff sign-in,
 * staff without one of the roles get 403.
 */
export function requireStaff(...roles: StaffRole[]): preHandlerAsyncHookHandler {
  return async (request, reply) => {
    if (!request.staff) return signInRedirect(request, reply, '/admin/login');
    const staff = request.staff;
    if (roles.length > 0 && !roles.some((role) => staff.roles.includes(role))) {
      // viewAsync only renders: a hook must send, or the route handler would still run.
      return renderError(request, reply, 403);
    }
  };
}
