import { defineProtocol, type MethodResult } from '../index.js';

/** A tiny protocol for tests: Echo returns its input; Fail returns an error result. */
export type EchoMethods = {
  Echo: { request: { value: string }; response: { value: string } };
  Fail: { request: { status: number }; response: MethodResult<object> };
};

export const Echo = defineProtocol<EchoMethods>('test.Echo', ['Echo', 'Fail']);
