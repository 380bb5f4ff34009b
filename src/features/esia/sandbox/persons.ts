import type { TrustLevel } from '../tables.js';

// The sandbox ЕСИА's test persons, one or more at each of ЕСИА's levels. Their
// СНИЛС have valid check digits; the addresses and numbers are reserved for tests.

export type SandboxPerson = {
  /** ЕСИА subject id (`sub`): ЕСИА numbers its accounts. */
  id: string;
  trustLevel: TrustLevel;
  lastName: string;
  firstName: string;
  middleName: string;
  birthDate?: string;
  snils?: string;
  passport?: { series: string; number: string; issueDate: string; issuedBy: string };
  email: string;
  mobile: string;
};

export const SANDBOX_PERSONS: readonly SandboxPerson[] = [
  {
    id: '1000000101',
    trustLevel: 'confirmed',
    lastName: 'Иванов', firstName: 'Иван', middleName: 'Иванович',
    birthDate: '1985-04-12',
    snils: '112-233-445 95',
    passport: { series: '4510', number: '123456', issueDate: '2015-05-20', issuedBy: 'ГУ МВД России по г. Москве' },
    email: 'ivan.ivanov@esia-sandbox.test',
    mobile: '+79161112233',
  },
  {
    id: '1000000102',
    trustLevel: 'confirmed',
    lastName: 'Смирнова', firstName: 'Анна', middleName: 'Сергеевна',
    birthDate: '1990-09-03',
    snils: '123-456-789 64',
    passport: { series: '4512', number: '654321', issueDate: '2010-10-01', issuedBy: 'Отделением УФМС России по г. Москве по району Марьино' },
    email: 'anna.smirnova@esia-sandbox.test',
    mobile: '+79162223344',
  },
  {
    id: '1000000201',
    trustLevel: 'standard',
    lastName: 'Петров', firstName: 'Пётр', middleName: 'Петрович',
    birthDate: '1978-01-25',
    snils: '987-654-321 83',
    passport: { series: '4505', number: '111222', issueDate: '2005-02-15', issuedBy: 'ОВД района Хамовники г. Москвы' },
    email: 'petr.petrov@esia-sandbox.test',
    mobile: '+79163334455',
  },
  {
    id: '1000000301',
    trustLevel: 'simplified',
    lastName: 'Сидорова', firstName: 'Мария', middleName: 'Алексеевна',
    email: 'maria.sidorova@esia-sandbox.test',
    mobile: '+79164445566',
  },
];

export const TRUST_LEVEL_LABELS: Record<TrustLevel, string> = {
  confirmed: 'Подтверждённая',
  standard: 'Стандартная',
  simplified: 'Упрощённая',
};

export function findSandboxPerson(id: string): SandboxPerson | undefined {
  return SANDBOX_PERSONS.find((person) => person.id === id);
}

/** ЕСИА scopes and the claims each releases, as the sandbox publishes them. */
export const ESIA_SCOPES = {
  openid: ['sub', 'trust_level'],
  fullname: ['family_name', 'given_name', 'middle_name'],
  birthdate: ['birthdate'],
  snils: ['snils'],
  id_doc: ['id_doc'],
  email: ['email', 'email_verified'],
  mobile: ['phone_number', 'phone_number_verified'],
} as const;

/** Every claim the person has; the provider releases those of the granted scopes. */
export function personClaims(person: SandboxPerson): Record<string, unknown> {
  return {
    sub: person.id,
    trust_level: person.trustLevel,
    family_name: person.lastName,
    given_name: person.firstName,
    middle_name: person.middleName,
    ...(person.birthDate ? { birthdate: person.birthDate } : {}),
    ...(person.snils ? { snils: person.snils } : {}),
    ...(person.passport
      ? { id_doc: { type: 'RF_PASSPORT', series: person.passport.series, number: person.passport.number, issue_date: person.passport.issueDate, issued_by: person.passport.issuedBy } }
      : {}),
    email: person.email,
    email_verified: true,
    phone_number: person.mobile,
    phone_number_verified: true,
  };
}
