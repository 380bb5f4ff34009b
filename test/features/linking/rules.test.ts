import t from 'tap';
import { normaliseFlat, normalisePayerCode, sameFlat } from '../../../src/features/linking/rules.js';

t.test('a payer code is exactly 10 digits once spaces and dashes are removed', async (t) => {
  t.equal(normalisePayerCode('7700000001'), '7700000001');
  t.equal(normalisePayerCode(' 77 0000-0001 '), '7700000001');
  t.equal(normalisePayerCode('77-00-00-00-01'), '7700000001');
  t.equal(normalisePayerCode('770000001'), null, '9 digits');
  t.equal(normalisePayerCode('77000000011'), null, '11 digits');
  t.equal(normalisePayerCode('77000000O1'), null, 'a letter O');
  t.equal(normalisePayerCode('7700.000001'), null, 'a dot is not a separator');
  t.equal(normalisePayerCode(''), null);
});

t.test('flat numbers forgive typing and come out as the registry writes them', async (t) => {
  t.equal(normaliseFlat('кв. 12'), '12');
  t.equal(normaliseFlat('Кв.12'), '12');
  t.equal(normaliseFlat('квартира № 12'), '12');
  t.equal(normaliseFlat('№12'), '12');
  t.equal(normaliseFlat('12а'), '12А');
  t.equal(normaliseFlat('12 А'), '12А');
  t.equal(normaliseFlat(' 12a '), '12А', 'a Latin a is read as the Cyrillic one');
  t.equal(normaliseFlat('12/1'), '12/1');
  t.equal(normaliseFlat('12-1'), '12-1');
  t.equal(normaliseFlat(''), null);
  t.equal(normaliseFlat('кв.'), null);
  t.equal(normaliseFlat('двенадцать'), null);
  t.equal(normaliseFlat('12АБ'), null);
  t.equal(normaliseFlat('123456'), null, 'no flat has a six-digit number');
});

t.test('«кв. 1» is the same flat as 1, and not flat 11', async (t) => {
  t.ok(sameFlat('кв. 1', '1'));
  t.ok(sameFlat('12 а', '12А'));
  t.notOk(sameFlat('кв. 1', '11'));
  t.notOk(sameFlat('', ''), 'unreadable numbers match nothing');
});
