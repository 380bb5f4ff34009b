import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { renderError } from '../../plugins/errors.js';
import { field, fieldValues, parseId } from '../../security/input.js';
import { ROLE_CHOICES as roleChoices, parseRoles } from './roles.js';
import { changeRoles, deactivateStaff, findStaff, inviteStaff, listStaff, reinviteStaff, resetTotp, type StaffMember } from './service.js';
import { normaliseEmail } from '../../security/contacts.js';
import { signedInStaff } from '../../plugins/auth.js';

type IdParams = { Params: { id: string } };

/** «Сотрудники» (admin only): the list, invitations, roles and switching staff off. */
const staffManagement: FastifyPluginAsync = async (app) => {
  const { db, config, clock } = app;

  async function member(request: FastifyRequest<IdParams>): Promise<StaffMember | undefined> {
    const id = parseId(request.params.id);
    return id === null ? undefined : findStaff(db, id);
  }

  function showPage(request: FastifyRequest, reply: FastifyReply, staff: StaffMember, extra: { errors?: Record<string, string>; notice?: string; roles?: string[] } = {}) {
    return reply.viewAsync('backoffice/staff/show', {
      title: staff.fullName,
      member: staff,
      isSelf: staff.id === signedInStaff(request).id,
      roleChoices,
      checked: extra.roles ?? staff.roles,
      errors: extra.errors ?? {},
      notice: extra.notice,
    });
  }

  app.get('/', async (_request, reply) => {
    return reply.viewAsync('backoffice/staff/index', { title: 'Сотрудники', members: await listStaff(db) });
  });

  app.get('/new', async (_request, reply) => {
    return reply.viewAsync('backoffice/staff/new', { title: 'Пригласить сотрудника', values: { fullName: '', email: '', roles: [] }, roleChoices, errors: {} });
  });

  app.post('/', async (request, reply) => {
    const values = { fullName: field(request.body, 'full_name').trim(), email: field(request.body, 'email').trim(), roles: parseRoles(fieldValues(request.body, 'roles')) };
    const errors: Record<string, string> = {};
    const email = normaliseEmail(values.email);
    if (values.fullName === '') errors.full_name = 'Введите фамилию, имя и отчество';
    else if (values.fullName.length > 200) errors.full_name = 'ФИО должно быть не длиннее 200 символов';
    if (!email) errors.email = values.email ? 'Введите адрес электронной почты в формате name@example.ru' : 'Введите адрес электронной почты';
    if (values.roles.length === 0) errors.roles = 'Выберите хотя бы одну роль';
    const render = () => reply.code(422).viewAsync('backoffice/staff/new', { title: 'Пригласить сотрудника', values, roleChoices, errors });
    if (!email || Object.keys(errors).length > 0) return render();

    const result = await db.transaction().execute((trx) =>
      inviteStaff(trx, {
        email,
        fullName: values.fullName,
        roles: values.roles,
        by: { staffId: signedInStaff(request).id, ip: request.ip },
        now: clock.now(),
        publicUrl: config.publicUrl,
      }),
    );
    if (!result.ok) {
      errors.email = 'Сотрудник с такой электронной почтой уже есть';
      return render();
    }
    return reply.redirect(`/admin/staff/${result.staffId}?done=invited`, 303);
  });

  app.get<IdParams & { Querystring: { done?: string } }>('/:id', async (request, reply) => {
    const staff = await member(request);
    if (!staff) return renderError(request, reply, 404);
    const notice = {
      invited: `Приглашение отправлено на ${staff.email}. Ссылка действует 72 часа.`,
      roles: 'Роли сохранены.',
      deactivated: 'Сотрудник отключён, его сеансы завершены.',
      totp: 'Приложение-аутентификатор отключено: коды для входа снова приходят на почту.',
    }[request.query.done ?? ''];
    return showPage(request, reply, staff, { notice });
  });

  app.post<IdParams>('/:id/roles', async (request, reply) => {
    const staff = await member(request);
    if (!staff) return renderError(request, reply, 404);
    const roles = parseRoles(fieldValues(request.body, 'roles'));
    if (roles.length === 0) {
      return showPage(request, reply.code(422), staff, { roles, errors: { roles: 'Выберите хотя бы одну роль' } });
    }
    const result = await db.transaction().execute((trx) => changeRoles(trx, { staffId: staff.id, roles, by: { staffId: signedInStaff(request).id, ip: request.ip } }));
    if (!result.ok && result.reason === 'own-admin') {
      return showPage(request, reply.code(422), staff, { roles, errors: { roles: 'Нельзя снять роль администратора с самого себя' } });
    }
    if (!result.ok) return renderError(request, reply, 404);
    return reply.redirect(`/admin/staff/${staff.id}?done=roles`, 303);
  });

  app.post<IdParams>('/:id/invitation', async (request, reply) => {
    const staff = await member(request);
    if (!staff) return renderError(request, reply, 404);
    const result = await db.transaction().execute((trx) =>
      reinviteStaff(trx, { staffId: staff.id, by: { staffId: signedInStaff(request).id, ip: request.ip }, now: clock.now(), publicUrl: config.publicUrl }),
    );
    if (!result.ok) return showPage(request, reply.code(422), staff, { errors: { invitation: 'Сотрудник уже задал пароль или отключён' } });
    return reply.redirect(`/admin/staff/${staff.id}?done=invited`, 303);
  });

  app.post<IdParams>('/:id/totp-removal', async (request, reply) => {
    const staff = await member(request);
    if (!staff) return renderError(request, reply, 404);
    // One's own app is switched off on one's own page, with a code from it.
    if (staff.id === signedInStaff(request).id) return renderError(request, reply, 403);
    const reset = await db.transaction().execute((trx) => resetTotp(trx, { staffId: staff.id, by: { staffId: signedInStaff(request).id, ip: request.ip } }));
    return reply.redirect(`/admin/staff/${staff.id}${reset ? '?done=totp' : ''}`, 303);
  });

  // Switching off asks first: a page that says what will happen, then the button.
  app.get<IdParams>('/:id/deactivation', async (request, reply) => {
    const staff = await member(request);
    if (!staff || staff.status === 'inactive') return renderError(request, reply, 404);
    if (staff.id === signedInStaff(request).id) return renderError(request, reply, 403, 'Нельзя отключить самого себя.');
    return reply.viewAsync('backoffice/staff/deactivate', { title: 'Отключить сотрудника', member: staff });
  });

  app.post<IdParams>('/:id/deactivation', async (request, reply) => {
    const staff = await member(request);
    if (!staff) return renderError(request, reply, 404);
    const result = await db.transaction().execute((trx) =>
      deactivateStaff(trx, { staffId: staff.id, by: { staffId: signedInStaff(request).id, ip: request.ip }, now: clock.now() }),
    );
    if (!result.ok && result.reason === 'self') return renderError(request, reply, 403, 'Нельзя отключить самого себя.');
    if (!result.ok) return renderError(request, reply, 404);
    return reply.redirect(`/admin/staff/${staff.id}?done=deactivated`, 303);
  });
};

export default staffManagement;
