// @hey-api/openapi-ts's settings for sdk/typescript/src/gen. Run through
// scripts/generate-sdks, which passes the document and a scratch output
// folder in the environment; the defaults are for a run by hand.
import { defineConfig } from '@hey-api/openapi-ts';

export default defineConfig({
  input: process.env.HOOKRELAY_OPENAPI ?? '../openapi.json',
  output: process.env.HOOKRELAY_SDK_OUT ?? 'src/gen',
  plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
});
