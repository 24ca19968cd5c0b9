import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "node",
    reporters: ["default", "./test/support/summary-reporter.ts"],
    include: ["test/**/*.test.ts"],
    // One engine for the whole run; each test file makes its own uniquely named tables on it.
    globalSetup: ["test/support/global-setup.ts"],
    pool: "forks",
    testTimeout: 30_000,
    // CDK assertions bundle every function with esbuild before the first test.
    hookTimeout: 120_000,
    env: {
      // Tests must never reach AWS: fixed region and fake credentials whatever the developer's shell holds.
      AWS_REGION: "ap-southeast-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_EC2_METADATA_DISABLED: "true",
    },
  },
});
