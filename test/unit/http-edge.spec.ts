import { jsonNestingExceeds } from '../../src/common/http-edge';

describe('jsonNestingExceeds', () => {
  it('counts object and array nesting, skipping strings and their escapes', () => {
    const cases: [string, number, boolean][] = [
      ['{"a":1}', 1, false],
      ['{"a":{"b":1}}', 1, true],
      ['[[[]]]', 3, false],
      ['[[[[]]]]', 3, true],
      ['{"s":"[[[[[[[["}', 1, false],
      ['{"s":"a\\\\"}', 1, false],
      ['{"s":"a\\"[[[["}', 1, false],
      ['{"s":"x\\\\\\"[[[[", "t":[[[1]]]}', 2, true],
      ['"unterminated [[[[', 1, false],
      ['{"a":' + '['.repeat(64) + ']'.repeat(64) + '}', 64, true],
      ['['.repeat(64) + ']'.repeat(64), 64, false],
    ];
    for (const [text, max, exceeds] of cases) expect({ text, max, got: jsonNestingExceeds(text, max) }).toEqual({ text, max, got: exceeds });
  });
});
