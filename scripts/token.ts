/**
 * Mints a token for the local API, signed with the key in `.data/dev-keys.json`.
 *
 *   npm run -s token -- --role GROUP_LEADER --scope DB/TUA-CHUA/MUONG-BANG/G-KECAI-01
 *   npm run -s token -- --role BORROWER --scope DB/TUA-CHUA/MUONG-BANG/G-KECAI-01 --member-id M123
 *
 * Only the token goes to stdout, so `TOKEN=$(npm run -s token -- ...)` works.
 */
import { parseArgs } from "node:util";
import { DEV_ROLES, type DevRole, mintToken } from "./lib/dev-keys.ts";

const USAGE = `Usage: npm run -s token -- --role <ROLE> --scope <ORG/PATH> [--sub <id>] [--member-id <id>] [--overrides CREDIT_PLAN] [--expires 12h]

  --role       one of ${DEV_ROLES.join(", ")}
  --scope      org path: DB, DB/TUA-CHUA, DB/TUA-CHUA/MUONG-BANG or DB/TUA-CHUA/MUONG-BANG/G-KECAI-01
  --sub        the user id (default: local-<role>)
  --member-id  required for BORROWER, refused for other roles
  --overrides  extra rights, comma-separated (CREDIT_PLAN: disburse over a commune's credit plan)
  --expires    lifetime such as 30m, 12h, 7d (default 12h)`;

/** Province / district / commune / group: the org paths the contract names. */
const SCOPE_PATTERN = /^[A-Z0-9][A-Z0-9-]*(\/[A-Z0-9][A-Z0-9-]*){0,3}$/;
const LIFETIME_PATTERN =
  /^\d+\s*(s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days|w|week|weeks)$/i;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        role: { type: "string" },
        scope: { type: "string" },
        sub: { type: "string" },
        "member-id": { type: "string" },
        expires: { type: "string", default: "12h" },
        overrides: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const role = values.role as string | undefined;
  const scope = values.scope as string | undefined;
  const memberId = values["member-id"] as string | undefined;
  const expires = values.expires as string;
  if (!role) fail("--role is required.");
  if (!(DEV_ROLES as readonly string[]).includes(role)) fail(`Unknown role ${role}.`);
  if (!scope) fail("--scope is required.");
  if (!SCOPE_PATTERN.test(scope)) fail(`${scope} is not an org path (upper-case codes, at most four levels).`);
  if (role === "BORROWER" && !memberId) fail("A BORROWER token needs --member-id.");
  if (role !== "BORROWER" && memberId) fail("Only BORROWER tokens carry --member-id.");
  if (!LIFETIME_PATTERN.test(expires)) fail(`--expires ${expires} is not a lifetime such as 30m, 12h or 7d.`);

  const token = await mintToken({
    sub: (values.sub as string | undefined) ?? `local-${role.toLowerCase().replace(/_/g, "-")}`,
    role: role as DevRole,
    scope,
    ...(memberId ? { memberId } : {}),
    ...(values.overrides ? { overrides: String(values.overrides).split(",") } : {}),
    expiresIn: expires,
  });
  console.log(token);
}

await main();
