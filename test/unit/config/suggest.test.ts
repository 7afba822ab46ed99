import { describe, expect, it } from 'vitest';
import { editDistance, suggestKey } from '../../../src/config/suggest.ts';

describe('suggestKey', () => {
  it('computes edit distance', () => {
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('port', 'port')).toBe(0);
    expect(editDistance('lisen', 'listen')).toBe(1);
    expect(editDistance('prot', 'port')).toBe(1);
    expect(editDistance('ab', 'ba')).toBe(1);
  });

  it('suggests the closest key within a third of the length, and case-only matches', () => {
    const keys = ['listen', 'host', 'port', 'tickHz', 'saveIntervalSec'];
    expect(suggestKey('lisen', keys)).toBe('listen');
    expect(suggestKey('TICKHZ', keys)).toBe('tickHz');
    expect(suggestKey('saveIntervalSecs', keys)).toBe('saveIntervalSec');
    expect(suggestKey('completelyDifferent', keys)).toBeUndefined();
    expect(suggestKey('xy', keys)).toBeUndefined();
  });
});
