/** The wire protocol: message table, framing, body codecs, position streams. Browser-safe (no Node APIs). */
export { MSG, FILTER_OPS, ATTR_OPS, PROTOCOL_VERSION, messageSpec, tableByType } from './messages.ts';
export type { MessageName, FilterOp } from './messages.ts';
export { RANGES, routeClassOf, defineMessage } from './message-spec.ts';
export type { MessageSpec, MessageValue, RouteClass, RouteTarget } from './message-spec.ts';
export { LIMITS, isId } from './fields.ts';
export type { FieldKind, FieldDef, FieldsValue } from './fields.ts';
export {
  KEY_SIZE,
  readEntityKey,
  readGameKey,
  readGateKey,
  readGateClientKey,
  readCallerKey,
  entityShard,
  entityIdShard,
} from './routing-key.ts';
export type { KeyKind, KeyTypes } from './routing-key.ts';
export { createPackr } from './packr.ts';
export type { Packr } from './packr.ts';
export { createWireCodec, parseClientMessage, parseServerMessage, toClientMessageInPlace } from './codec.ts';
export type { WireCodec, FrameSink, MessageFields, ClientMessage } from './codec.ts';
export { createFrameParser, FRAME_HEADER_SIZE, TYPE_SIZE, DEFAULT_MAX_FRAME_SIZE } from './frame-parser.ts';
export type { FrameParser, FrameParserOptions, FrameHandler } from './frame-parser.ts';
export { createFrameBatch } from './frame-batch.ts';
export type { FrameBatch } from './frame-batch.ts';
export {
  encodePositionBatch,
  decodePositionBatch,
  positionBatchSize,
  POSITION_HEADER_SIZE,
  POSITION_RECORD_SIZE,
  DEFAULT_MIN_STEP_LOG2,
  POSITION_ENCODE_NO_ROOM,
  POSITION_ENCODE_TOO_MANY,
} from './position-sync.ts';
export type { PositionSource, PositionVisitor } from './position-sync.ts';
export {
  CLIENT_POSITION_SIZE,
  encodeClientPositionMessage,
  decodeClientPosition,
  clientPositionRecordCount,
  readClientPositionRecord,
  concatClientPositions,
} from './client-position.ts';
export type { ClientPosition } from './client-position.ts';
export { ProtocolError, CLOSE_CODES, isProtocolError } from './wire-errors.ts';
export { CLIENT_ERROR_CODES, clientErrorCode } from './client-errors.ts';
export type { ClientErrorName } from './client-errors.ts';
export type { WireFault, CloseCode } from './wire-errors.ts';
export { writePositionSyncFrame, writeSharedPositionFrames, readSharedPositionFrame, SHARED_MAX_CLIENTS } from './position-frame.ts';
export type { ReservingSink, SharedPositionFrame } from './position-frame.ts';
export { checkClientCall, checkClientRequest } from './client-call.ts';
export type { ArgLimits, ClientCallCheck, ClientRequestCheck } from './client-call.ts';
export { scanMsgpack, isMalformed, SCAN_FAULT_TEXT } from './msgpack-scan.ts';
export type { ScanFault, ScanLimits } from './msgpack-scan.ts';
export { ownedCopy } from './owned-copy.ts';
