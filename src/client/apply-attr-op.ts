import { ATTR_OPS } from '../protocol/index.ts';

type Container = Record<string, unknown> | unknown[];

/**
 * Applies one ATTR_DELTA op (`[op, path, key, value]`, see SPEC.md) to a client-side attribute tree.
 * Returns false when the op does not fit the tree (a desync the caller reports), never throws.
 */
export function applyAttrOp(root: Record<string, unknown>, op: unknown): boolean {
  if (!Array.isArray(op) || op.length !== 4 || !Array.isArray(op[1])) return false;
  const [code, path, key, value] = op as [number, (string | number)[], string | number | null, unknown];
  let node: unknown = root;
  for (const step of path) {
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<string | number, unknown>)[step];
  }
  if (node === null || typeof node !== 'object') return false;
  const container = node as Container;
  switch (code) {
    case ATTR_OPS.MAP_SET:
      if (Array.isArray(container) || typeof key !== 'string') return false;
      container[key] = value;
      return true;
    case ATTR_OPS.MAP_DEL:
      if (Array.isArray(container) || typeof key !== 'string') return false;
      delete container[key];
      return true;
    case ATTR_OPS.MAP_CLEAR:
      if (Array.isArray(container)) return false;
      for (const k of Object.keys(container)) delete container[k];
      return true;
    case ATTR_OPS.LIST_SET:
      if (!Array.isArray(container) || typeof key !== 'number' || key < 0 || key >= container.length) return false;
      container[key] = value;
      return true;
    case ATTR_OPS.LIST_APPEND:
      if (!Array.isArray(container)) return false;
      container.push(value);
      return true;
    case ATTR_OPS.LIST_POP:
      if (!Array.isArray(container) || container.length === 0) return false;
      container.pop();
      return true;
    default:
      return false;
  }
}
