import t from 'tap';
import { field, parseId } from '../../src/security/input.js';

t.test('a URL id is a positive int4 without leading zeros; anything else is unknown', async (t) => {
  t.same(['1', '42', '0', '-1', '1.5', 'abc', '2147483648', '01'].map(parseId), [1, 42, null, null, null, null, null, null]);
  t.equal(parseId(undefined), null);
  t.equal(parseId(['1']), null, 'a repeated query parameter is not an id');
});

t.test('a form field is its string value; missing or repeated fields read as empty', async (t) => {
  t.equal(field({ email: 'a@b.ru' }, 'email'), 'a@b.ru');
  t.equal(field({ email: ['a', 'b'] }, 'email'), '');
  t.equal(field(undefined, 'email'), '');
});
