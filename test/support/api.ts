import { type DevKeys, type DevRole, ephemeralKeys, mintToken } from "../../scripts/lib/dev-keys.ts";
import { type LambdaHandler, startLocalServer } from "../../scripts/lib/local-server.ts";
import type { FunctionDef, RouteDef } from "../../shared/http/routes.ts";
import { testEndpoint } from "./engine.ts";

export type TestApi = {
  /** e.g. `http://127.0.0.1:41234`; append `/v1/...`. */
  url: string;
  keys: DevKeys;
  /** A valid token for the role and scope, signed with this API's key. */
  token(role: DevRole, scope: string, memberId?: string): Promise<string>;
  close(): Promise<void>;
};

export type TestApiOptions = {
  tableName: string;
  /** Injected handlers by function name; others load from their entry module like in `npm start`. */
  handlers?: Record<string, LambdaHandler>;
  routes?: readonly RouteDef[];
  functions?: readonly FunctionDef[];
};

/**
 * The local API in this test process on a free port, with a throw-away signing key. Handlers run
 * in-process, so they see TABLE_NAME and DYNAMODB_ENDPOINT through process.env as Lambda would.
 */
export async function startTestApi(options: TestApiOptions): Promise<TestApi> {
  const keys = await ephemeralKeys();
  const server = await startLocalServer({
    port: 0,
    keys,
    env: { TABLE_NAME: options.tableName, DYNAMODB_ENDPOINT: testEndpoint() },
    ...(options.handlers ? { handlers: options.handlers } : {}),
    ...(options.routes ? { routes: options.routes } : {}),
    ...(options.functions ? { functions: options.functions } : {}),
  });
  let users = 0;
  return {
    url: server.url,
    keys,
    token: (role, scope, memberId) =>
      mintToken({ sub: `test-${role.toLowerCase()}-${++users}`, role, scope, ...(memberId ? { memberId } : {}) }, keys),
    close: () => server.close(),
  };
}
