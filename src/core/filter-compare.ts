import type { FilterOperator } from './cluster-api.ts';

/**
 * The one comparison behind CallFilteredClients, used by the gate and by the in-process cluster alike:
 * numbers compare numerically when both sides are numeric ("9" < "10"), strings lexically otherwise.
 * (GoWorld compared strings only, so "9" > "10" there.)
 */
export function compareFilterProp(actual: string, op: FilterOperator, value: string): boolean {
  const numeric = actual.trim() !== '' && value.trim() !== '' && Number.isFinite(Number(actual)) && Number.isFinite(Number(value));
  const a: string | number = numeric ? Number(actual) : actual;
  const b: string | number = numeric ? Number(value) : value;
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}
