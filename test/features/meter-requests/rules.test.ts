import t from 'tap';
import { WAITING, validateMeterRequest, type MeterRequestForm } from '../../../src/features/meter-requests/rules.js';

const TODAY = '2026-11-20';
const WORKING = [
  { id: 7, resource: 'cold_water' as const, zones: 1, serialNumber: 'CW-1' },
  { id: 8, resource: 'electricity' as const, zones: 2, serialNumber: 'EL-1' },
];
const NEW: MeterRequestForm = { kind: 'new', resource: 'gas', meterId: '', zones: '1', serialNumber: 'GZ-1', datedOn: '2026-11-10', nextVerificationDate: '2036-11-10', initial: ['0,5', '', ''] };
const VERIFIED: MeterRequestForm = { kind: 'verified', resource: '', meterId: '8', zones: '', serialNumber: '', datedOn: '2026-11-01', nextVerificationDate: '2042-11-01', initial: [] };

t.test('a new meter: checked as staff check an added meter, the date under datedOn', async (t) => {
  const ok = validateMeterRequest(NEW, WORKING, [], TODAY);
  t.same(ok, { ok: true, request: { kind: 'new', meter: { resource: 'gas', zones: 1, installedOn: '2026-11-10', serialNumber: 'GZ-1', nextVerificationDate: '2036-11-10', initial: [0.5] } } });
  t.match(validateMeterRequest({ ...NEW, resource: 'cold_water' }, WORKING, [], TODAY), { ok: false, errors: { resource: /уже есть работающий счётчик/ } });
  t.match(validateMeterRequest({ ...NEW, datedOn: '2026-12-01' }, WORKING, [], TODAY), { ok: false, errors: { datedOn: 'Дата ввода в эксплуатацию не может быть позже сегодняшней' } });
  t.match(validateMeterRequest({ ...NEW, datedOn: '' }, WORKING, [], TODAY), { ok: false, errors: { datedOn: 'Введите дату ввода в эксплуатацию' } });
  t.match(validateMeterRequest({ ...NEW, nextVerificationDate: TODAY, serialNumber: '' }, WORKING, [], TODAY), { ok: false, errors: { nextVerificationDate: /позже сегодняшней/, serialNumber: /заводской номер/ } });
  const electricity = validateMeterRequest({ ...NEW, resource: 'electricity', zones: '2', initial: ['10', ''] }, [], [], TODAY);
  t.match(electricity, { ok: false, errors: { initial2: /./ } }, 'every zone needs its initial reading');
  t.match(validateMeterRequest({ ...NEW, kind: '' }, WORKING, [], TODAY), { ok: false, errors: { kind: 'Выберите, какой счётчик зарегистрировать' } });
});

t.test('a verification: a working meter of the account, its date not in the future, the next one later than today', async (t) => {
  t.same(validateMeterRequest(VERIFIED, WORKING, [], TODAY), { ok: true, request: { kind: 'verified', meter: WORKING[1], verifiedOn: '2026-11-01', next: '2042-11-01' } });
  t.same(validateMeterRequest({ ...VERIFIED, meterId: '99' }, WORKING, [], TODAY), { ok: false, errors: { meterId: 'Выберите счётчик, который прошёл поверку' } });
  t.same(validateMeterRequest({ ...VERIFIED, datedOn: '2026-11-21', nextVerificationDate: '2026-11-20' }, WORKING, [], TODAY), {
    ok: false,
    errors: { datedOn: 'Дата поверки не может быть позже сегодняшней', nextVerificationDate: 'Дата следующей поверки должна быть позже сегодняшней' },
  });
});

t.test('one waiting request per resource', async (t) => {
  t.same(validateMeterRequest(NEW, WORKING, ['gas'], TODAY), { ok: false, errors: { resource: WAITING } });
  t.same(validateMeterRequest(VERIFIED, WORKING, ['electricity'], TODAY), { ok: false, errors: { meterId: WAITING } });
  t.equal(validateMeterRequest(VERIFIED, WORKING, ['gas'], TODAY).ok, true);
});
