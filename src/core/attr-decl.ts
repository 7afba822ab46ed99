import { TsworldError } from './errors.ts';
import { checkValue, cloneValue, defaultValueOf, isAttrSpec, type Infer, type TypeSpec } from './value-types.ts';

/**
 * GoWorld's attribute flags, per root attribute. `allClients` implies `client`: the owner's client
 * sees everything any client sees.
 */
export type AttrFlag = 'allClients' | 'client' | 'persistent';
/** Where a root attribute's changes go: nowhere, to the owner's client, or to every client that sees it. */
export type AttrSync = 'server' | 'client' | 'allClients';

export interface AttrDecl<S extends TypeSpec = TypeSpec> {
  readonly spec: S;
  readonly flags: readonly AttrFlag[];
  readonly default?: Infer<S>;
}

export type AttrDecls = Readonly<Record<string, AttrDecl>>;

/** Declares a root attribute: `attr(t.string, { flags: ['allClients', 'persistent'], default: '' })`. */
export function attr<S extends TypeSpec>(
  spec: S,
  options: { flags?: readonly AttrFlag[]; default?: Infer<S> } = {},
): AttrDecl<S> {
  return Object.freeze({ spec, flags: Object.freeze([...(options.flags ?? [])]), default: options.default });
}

export interface AttrRootInfo {
  readonly name: string;
  readonly spec: TypeSpec;
  readonly sync: AttrSync;
  readonly persistent: boolean;
  /** A fresh copy of the initial value each call. */
  initial(): unknown;
}

export type AttrLayout = ReadonlyMap<string, AttrRootInfo>;

/** Validates declarations once, at type definition time, so mistakes fail at startup. */
export function compileAttrLayout(typeName: string, decls: AttrDecls, persistentType: boolean): AttrLayout {
  const layout = new Map<string, AttrRootInfo>();
  for (const [name, decl] of Object.entries(decls)) {
    const where = `entity type ${typeName}, attribute ${name}`;
    // Root names become properties of an ordinary object (fast, unlike null-prototype maps).
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || name === '__proto__') {
      throw new TsworldError('INVALID_DECLARATION', `${where}: the name must be an identifier`);
    }
    if (!isAttrSpec(decl.spec)) {
      throw new TsworldError('INVALID_DECLARATION', `${where}: attributes are int/float/bool/string leaves, lists and maps`);
    }
    for (const flag of decl.flags) {
      if (flag !== 'allClients' && flag !== 'client' && flag !== 'persistent') {
        throw new TsworldError('INVALID_DECLARATION', `${where}: unknown flag ${String(flag)}`);
      }
    }
    const persistent = decl.flags.includes('persistent');
    if (persistent && !persistentType) {
      throw new TsworldError('INVALID_DECLARATION', `${where}: a persistent attribute needs a persistent entity type`);
    }
    const initial = decl.default === undefined ? defaultValueOf(decl.spec) : decl.default;
    const err = checkValue(decl.spec, initial, name);
    if (err !== null) throw new TsworldError('INVALID_DECLARATION', `${where}: default: ${err}`);
    const frozen = cloneValue(initial);
    layout.set(name, {
      name,
      spec: decl.spec,
      sync: decl.flags.includes('allClients') ? 'allClients' : decl.flags.includes('client') ? 'client' : 'server',
      persistent,
      initial: () => cloneValue(frozen),
    });
  }
  return layout;
}
