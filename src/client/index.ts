/** tsworld/client: the browser- and Node-side SDK. Browser-safe: no Node APIs. */
export { connectClient } from './client.ts';
export type {
  ClientEntity,
  ClientEvents,
  ClientOptions,
  ServerError,
  ServerLimits,
  TsworldClient,
  WebSocketConstructor,
  WebSocketLike,
} from './client.ts';
export { applyAttrOp } from './apply-attr-op.ts';
export type { ReconnectOptions } from './reconnect.ts';
export { RequestError } from './requests.ts';
export type { RequestErrorCode, RequestOptions } from './requests.ts';
export type { CallProxy, RequestProxy, ClientAttrs, ClientCallHandler, ClientMethods, EntityHandle, EntityTypeOf, GameTypes } from './typed-client.ts';
export { createInterpolator, interpolate } from './interpolation.ts';
export type { InterpolationOptions, Interpolator, Pose } from './interpolation.ts';
