// The Hookrelay SDK: one function per API operation (`webhooksCreate`,
// `deliveriesList`, `ingestSend`, ...), named after its operationId, with
// the types of every request and answer. Everything under ./gen is
// generated from the API's OpenAPI document by scripts/generate-sdks.
export * from './gen/index.js';
export { client } from './gen/client.gen.js';
export { createClient, createConfig } from './gen/client/index.js';
export type { Client, Config, RequestResult } from './gen/client/index.js';
