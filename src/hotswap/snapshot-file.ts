import { close, closeSync, fstatSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { Packr } from 'msgpackr';
import { ENTITY_ID_LENGTH } from '../core/entity-id.ts';
import { TsworldError } from '../core/errors.ts';
import type { WorldDump, WorldDumpHeader, WorldStateDump } from '../core/world-dump.ts';
import { bytesPerElement, isFieldType, type FieldType } from '../ecs/field-types.ts';
import type { ComponentDump } from '../ecs/schema-match.ts';
import { rawAttrBytes, splitRawAttrColumns, type RawAttrColumn } from './attr-column-codec.ts';
import {
  align8,
  crc32,
  headerBytes,
  readHeader,
  sectionBytes,
  SectionKind,
  SNAPSHOT_VERSION,
  writeHeader,
  type SectionEntry,
  type SnapshotPrelude,
} from './snapshot-format.ts';

/** What a snapshot file holds: a world dump plus the game role's own msgpack-able state. */
export interface Snapshot {
  dump: WorldDump;
  /** Opaque to the engine (client→gate map, filter props, ...); undefined when none was written. */
  extra: unknown;
}

export interface SnapshotWriteInfo {
  bytes: number;
  sections: number;
}

export interface SnapshotReadInfo {
  prelude: SnapshotPrelude;
  bytes: number;
}

/** LAYOUT section: the dump header and which raw section holds each table column and component field. */
interface LayoutBlob {
  header: WorldDumpHeader;
  columns: Record<TableColumn, number>;
  /** Attribute columns stored raw (emptied in the state's table). */
  attrColumns: (RawAttrColumn & { section: number })[];
  components: { name: string; schemaHash: string; count: number; fields: { name: string; type: FieldType; section: number }[] }[];
}

/**
 * The entity table's typed-array columns: stored raw, outside the msgpack state. Each is `perEid`
 * elements per eid of the table (highWater), or any length (the id hash table, a power of two).
 */
const TABLE_COLUMNS = {
  listed: { make: (b: ArrayBuffer, o: number, n: number) => new Uint8Array(b, o, n), bytes: 1, perEid: 1 },
  idCodes: { make: (b: ArrayBuffer, o: number, n: number) => new Uint8Array(b, o, n), bytes: 1, perEid: ENTITY_ID_LENGTH },
  idSlots: { make: (b: ArrayBuffer, o: number, n: number) => new Int32Array(b, o, n), bytes: 4, perEid: 0 },
  type: { make: (b: ArrayBuffer, o: number, n: number) => new Uint32Array(b, o, n), bytes: 4, perEid: 1 },
  space: { make: (b: ArrayBuffer, o: number, n: number) => new Uint32Array(b, o, n), bytes: 4, perEid: 1 },
  componentSet: { make: (b: ArrayBuffer, o: number, n: number) => new Uint32Array(b, o, n), bytes: 4, perEid: 1 },
} as const;
type TableColumn = keyof typeof TABLE_COLUMNS;
const TABLE_COLUMN_NAMES = Object.keys(TABLE_COLUMNS) as TableColumn[];
const FIRST_RAW_SECTION = 3;

/**
 * Records make the per-entity objects (all of one shape) compact and fast to decode; one process
 * writes and the next reads, with no shared structures to keep in step.
 */
function snapshotPackr(): Packr {
  return new Packr({ useRecords: true, moreTypes: false, mapsAsObjects: true, int64AsType: 'number', encodeUndefinedAsNil: true });
}

/**
 * Writes a snapshot atomically: the whole file is assembled in memory, written with one write to a
 * temp file in the same directory and renamed over `path`, so `path` holds either the previous
 * snapshot or this one, never a torn file. The previous file is released asynchronously (holdReplaced).
 *
 * No fsync, on purpose. A snapshot only has to outlive the process that wrote it (the successor reads
 * it moments later from the page cache), not a power cut: a power cut ends the successor as well, and
 * the cluster then starts from storage, not from a swap snapshot. fsync'ing 8 MB took 60-300 ms of
 * the swap pause on a busy disk. Should a machine crash leave a stale or torn file behind, the section
 * checksums make reading it fail as INVALID_STATE rather than restore garbage.
 */
export function writeSnapshot(path: string, dump: WorldDump, extra?: unknown): SnapshotWriteInfo {
  const { parts, length } = encodeSnapshotParts(dump, extra);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd = -1;
  let replaced = -1;
  try {
    fd = openSync(tmp, 'wx', 0o600);
    for (const part of parts) {
      let written = 0;
      while (written < part.byteLength) written += writeSync(fd, part, written, part.byteLength - written);
    }
    closeSync(fd);
    fd = -1;
    replaced = holdReplaced(path);
    renameSync(tmp, path);
    // Freeing the previous snapshot's blocks (a discard-mounted disk trims them) took ~9 ms of the
    // pause inside rename; with its last descriptor closed off the main thread, it happens after.
    if (replaced >= 0) close(replaced, () => {});
    replaced = -1;
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    if (replaced >= 0) closeSync(replaced);
    try {
      unlinkSync(tmp);
    } catch {
      // The temp file may not exist (open failed) or is already renamed; nothing left to clean.
    }
    throw new TsworldError('INVALID_STATE', `cannot write snapshot ${path}: ${(err as Error).message}`, { cause: err });
  }
  // The section count, as the prelude (the first part) records it at offset 16.
  return { bytes: length, sections: new DataView(parts[0].buffer, parts[0].byteOffset, parts[0].byteLength).getUint32(16, true) };
}

/** The whole file as one buffer (for tests that corrupt it on purpose, and in-memory swaps). */
export function encodeSnapshot(dump: WorldDump, extra?: unknown): Uint8Array {
  const { parts, length } = encodeSnapshotParts(dump, extra);
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/**
 * The file as the pieces to write in order: header, then each section and its padding. Writing the
 * pieces as they are saves assembling one more copy of the whole file (a fresh 9 MB buffer's page
 * faults and copy: 5-8 ms of the pause).
 */
function encodeSnapshotParts(dump: WorldDump, extra?: unknown): { parts: Uint8Array[]; length: number } {
  const packr = snapshotPackr();
  const table = dump.state.entities;
  const split = splitRawAttrColumns(table.attrs);
  const count = FIRST_RAW_SECTION + TABLE_COLUMN_NAMES.length + split.raw.length + dump.components.reduce((n, c) => n + c.fields.length, 0);
  let fieldSection = FIRST_RAW_SECTION;
  const columns = {} as Record<TableColumn, number>;
  for (const name of TABLE_COLUMN_NAMES) columns[name] = fieldSection++;
  const attrColumns = split.raw.map((r) => ({ ...r, section: fieldSection++ }));
  const layout: LayoutBlob = { header: dump.header, columns, attrColumns, components: [] };
  for (const c of dump.components) {
    layout.components.push({
      name: c.name,
      schemaHash: c.schemaHash,
      count: c.count,
      fields: c.fields.map((f) => ({ name: f.name, type: f.type, section: fieldSection++ })),
    });
  }
  const blobs: [SectionKind, Uint8Array][] = [
    [SectionKind.layout, packr.pack(layout)],
    [SectionKind.state, packr.pack({ ...dump.state, entities: { ...table, attrs: split.attrs, listed: null, idCodes: null, idSlots: null, type: null, space: null, componentSet: null } })],
    [SectionKind.extra, packr.pack(extra === undefined ? null : extra)],
  ];
  for (const name of TABLE_COLUMN_NAMES) blobs.push([SectionKind.column, asBytes(table[name])]);
  for (const array of split.arrays) blobs.push([SectionKind.column, asBytes(array)]);
  for (const c of dump.components) for (const f of c.fields) blobs.push([SectionKind.field, f.bytes]);
  const sections: SectionEntry[] = [];
  let at = headerBytes(count);
  for (const [kind, bytes] of blobs) {
    sections.push({ kind, offset: at, length: bytes.byteLength, crc: 0 });
    at = align8(at + bytes.byteLength);
  }
  const header = new Uint8Array(headerBytes(count));
  // Zero padding after each section, up to its successor's 8-byte boundary.
  const pad = new Uint8Array(8);
  const parts: Uint8Array[] = [header];
  blobs.forEach(([, bytes], i) => {
    sections[i].crc = crc32(bytes);
    parts.push(bytes);
    const gap = align8(bytes.byteLength) - bytes.byteLength;
    if (gap > 0) parts.push(pad.subarray(0, gap));
  });
  const h = dump.header;
  writeHeader(header, { version: SNAPSHOT_VERSION, dumpFormat: h.format, gameId: h.gameId, tick: h.tick, now: h.now, schemaHash: h.schemaHash, fileLength: at }, sections);
  return { parts, length: at };
}

/** A descriptor on the file `path` names now (the snapshot about to be replaced), or -1 when there is none. */
function holdReplaced(path: string): number {
  try {
    return openSync(path, 'r');
  } catch {
    return -1;
  }
}

function asBytes(a: Uint8Array | Int32Array | Uint32Array | Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Reads and validates a snapshot. Component arrays come back as views on the file buffer (no copy);
 * `loadWorld` copies them into the new world's stores. Damage is INVALID_STATE, a file written by an
 * incompatible format is SCHEMA_MISMATCH; the file is never modified or removed.
 */
export function readSnapshot(path: string): Snapshot & { info: SnapshotReadInfo } {
  return decodeSnapshot(path, readWhole(path));
}

function readWhole(path: string): Uint8Array {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    // A fresh ArrayBuffer at offset 0: every 8-aligned section is aligned for any typed-array view.
    const buf = new Uint8Array(new ArrayBuffer(size));
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return got === size ? buf : buf.subarray(0, got);
  } catch (err) {
    throw new TsworldError('INVALID_STATE', `cannot read snapshot ${path}: ${(err as Error).message}`, { cause: err });
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

export function decodeSnapshot(path: string, buf: Uint8Array): Snapshot & { info: SnapshotReadInfo } {
  const { prelude, sections } = readHeader(path, buf);
  if (sections.length < FIRST_RAW_SECTION || sections[0].kind !== SectionKind.layout || sections[1].kind !== SectionKind.state || sections[2].kind !== SectionKind.extra) {
    throw new TsworldError('INVALID_STATE', `snapshot ${path} is corrupt: sections are not layout, state, extra, then raw arrays`);
  }
  const packr = snapshotPackr();
  const unpack = (i: number, what: string): unknown => {
    const bytes = sectionBytes(path, buf, sections[i], i);
    try {
      return packr.unpack(bytes);
    } catch (err) {
      throw new TsworldError('INVALID_STATE', `snapshot ${path} is corrupt: ${what} does not decode`, { cause: err });
    }
  };
  const layout = checkLayout(path, unpack(0, 'layout'), sections.length);
  const state = unpack(1, 'state') as WorldStateDump;
  if (state === null || typeof state !== 'object' || typeof state.entities !== 'object' || state.entities === null || !Array.isArray(state.spaces)) {
    throw new TsworldError('INVALID_STATE', `snapshot ${path} is corrupt: state has no entity table or space list`);
  }
  readTableColumns(path, buf, sections, layout, state);
  readRawAttrColumns(path, buf, sections, layout, state);
  const extra = unpack(2, 'extra');
  if (layout.header.schemaHash !== prelude.schemaHash || layout.header.tick !== prelude.tick) {
    throw new TsworldError('INVALID_STATE', `snapshot ${path} is corrupt: header and layout disagree`);
  }
  const components: ComponentDump[] = layout.components.map((c) => ({
    name: c.name,
    schemaHash: c.schemaHash,
    count: c.count,
    fields: c.fields.map((f) => {
      const s = sections[f.section];
      if (s.kind !== SectionKind.field || s.length !== c.count * bytesPerElement(f.type)) {
        throw new TsworldError('INVALID_STATE', `snapshot ${path} is corrupt: ${c.name}.${f.name} is ${s.length} bytes for ${c.count} slots`);
      }
      return { name: f.name, type: f.type, bytes: sectionBytes(path, buf, s, f.section) };
    }),
  }));
  return { dump: { header: layout.header, components, state }, extra: extra ?? undefined, info: { prelude, bytes: buf.byteLength } };
}

/** The entity table's typed-array columns, as views on the file buffer, each checked against highWater. */
function readTableColumns(path: string, buf: Uint8Array, sections: SectionEntry[], layout: LayoutBlob, state: WorldStateDump): void {
  const high = state.highWater;
  if (!Number.isInteger(high) || high < 1) throw new TsworldError('INVALID_STATE', `snapshot ${path} is corrupt: highWater ${String(high)}`);
  const table = state.entities as unknown as Record<TableColumn, unknown>;
  for (const name of TABLE_COLUMN_NAMES) {
    const { make, bytes: size, perEid } = TABLE_COLUMNS[name];
    const i = layout.columns[name];
    const s = sections[i];
    const fits = perEid === 0 ? s.length % size === 0 : s.length === high * perEid * size;
    if (s.kind !== SectionKind.column || !fits) {
      throw new TsworldError('INVALID_STATE', `snapshot ${path} is corrupt: entity column ${name} is ${s.length} bytes for ${high} eids`);
    }
    const bytes = sectionBytes(path, buf, s, i);
    table[name] = make(bytes.buffer as ArrayBuffer, bytes.byteOffset, s.length / size);
  }
}

/** Raw attribute columns back into the table, as typed-array views on the file buffer. */
function readRawAttrColumns(path: string, buf: Uint8Array, sections: SectionEntry[], layout: LayoutBlob, state: WorldStateDump): void {
  const attrs = state.entities.attrs;
  for (const { attr, root, kind, section } of layout.attrColumns) {
    const columns = Array.isArray(attrs) ? attrs[attr]?.columns : undefined;
    const s = sections[section];
    const size = rawAttrBytes(kind);
    if (!Array.isArray(columns) || !Array.isArray(columns[root]) || columns[root].length !== 0 || s.kind !== SectionKind.column || s.length % size !== 0) {
      throw new TsworldError('INVALID_STATE', `snapshot ${path} is corrupt: raw attribute column ${attr}.${root} does not fit its table`);
    }
    const bytes = sectionBytes(path, buf, s, section);
    const n = s.length / size;
    columns[root] = kind === 'i32' ? new Int32Array(bytes.buffer, bytes.byteOffset, n) : new Float64Array(bytes.buffer, bytes.byteOffset, n);
  }
}

function checkLayout(path: string, raw: unknown, sectionCount: number): LayoutBlob {
  const bad = (why: string) => new TsworldError('INVALID_STATE', `snapshot ${path} is corrupt: layout ${why}`);
  const layout = raw as LayoutBlob;
  if (layout === null || typeof layout !== 'object' || typeof layout.header !== 'object' || typeof layout.columns !== 'object' || !Array.isArray(layout.components)) {
    throw bad('is not an object with header, columns and components');
  }
  const seen = new Set<number>();
  const claim = (section: unknown, what: string) => {
    if (!Number.isInteger(section) || (section as number) < FIRST_RAW_SECTION || (section as number) >= sectionCount || seen.has(section as number)) {
      throw bad(`names a bad section for ${what}`);
    }
    seen.add(section as number);
  };
  for (const name of TABLE_COLUMN_NAMES) claim(layout.columns[name], `entity column ${name}`);
  if (!Array.isArray(layout.attrColumns)) throw bad('has no attribute column list');
  for (const a of layout.attrColumns) {
    if (!Number.isInteger(a?.attr) || !Number.isInteger(a.root) || (a.kind !== 'i32' && a.kind !== 'f64')) throw bad('has a malformed attribute column');
    claim(a.section, `attribute column ${a.attr}.${a.root}`);
  }
  for (const c of layout.components) {
    if (typeof c?.name !== 'string' || !Number.isInteger(c.count) || c.count < 0 || !Array.isArray(c.fields)) throw bad('has a malformed component');
    for (const f of c.fields) {
      if (typeof f?.name !== 'string') throw bad(`has a malformed field in ${c.name}`);
      if (!isFieldType(f.type)) throw new TsworldError('SCHEMA_MISMATCH', `snapshot ${path}: ${c.name}.${f.name} has unknown field type ${String(f.type)}`);
      claim(f.section, `${c.name}.${f.name}`);
    }
  }
  return layout;
}
