import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "jsdom",
    globalSetup: ["./test/server.ts"],
    testTimeout: 30000,
    hookTimeout: 60000,
  },
});
