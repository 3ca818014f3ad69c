import { valuesList } from '../../src/database/values-list';

describe('valuesList', () => {
  it('numbers every value as a parameter, row after row, with the columns casts', () => {
    expect(valuesList([['a', '2026-01-01T00:00:00Z', 1], ["x'); drop table y; --", '2026-01-01T00:01:00Z', 2]], ['uuid', 'timestamptz', ''])).toEqual({
      sql: '($1::uuid, $2::timestamptz, $3), ($4::uuid, $5::timestamptz, $6)',
      params: ['a', '2026-01-01T00:00:00Z', 1, "x'); drop table y; --", '2026-01-01T00:01:00Z', 2],
    });
  });

  it('refuses a row whose width is not the column count', () => {
    expect(() => valuesList([[1, 2]], ['', '', ''])).toThrow(RangeError);
  });
});
