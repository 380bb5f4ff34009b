import t from 'tap';
import { normaliseFlat, normalisePayerCode } from '../../../src/features/linking/rules.js';

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

t.test('flat numbers compare without case and spaces', async (t) => {
  t.equal(normaliseFlat(' 12 А '), '12а');
  t.equal(normaliseFlat('1'), normaliseFlat('1 '));
});
