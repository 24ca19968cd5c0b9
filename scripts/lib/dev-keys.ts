/**
 * The local token issuer: it stands in for Cognito. Tokens carry the same custom claims the user
 * pool puts in its ID tokens, so handlers read one shape everywhere.
 */
import { randomUUID } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from "jose";

export const ISSUER = "policy-credit-local";
export const AUDIENCE = "policy-credit";
const ALG = "ES256";

export const DEV_KEYS_FILE = join(resolve(dirname(fileURLToPath(import.meta.url)), "../.."), ".data", "dev-keys.json");

/** The roles of the API contract ("Who may do what"). */
export const DEV_ROLES = [
  "ADMIN",
  "BANK_OFFICER",
  "COMMUNE_OFFICER",
  "ORG_OFFICER",
  "GROUP_LEADER",
  "BORROWER",
] as const;
export type DevRole = (typeof DEV_ROLES)[number];

export type DevKeys = {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
};

export type TokenRequest = {
  sub: string;
  role: DevRole;
  /** Org path, e.g. `DB/TUA-CHUA/MUONG-BANG/G-KECAI-01`. */
  scope: string;
  /** Required for BORROWER, refused for the others. */
  memberId?: string;
  /** Extra rights beyond the role, e.g. ["CREDIT_PLAN"]; sent as comma-separated custom:overrides. */
  overrides?: string[];
  /** A jose time span ("12h", "30m") or seconds from now; negative seconds mint an expired token. Default 1h. */
  expiresIn?: string | number;
};

type StoredKeys = { kid: string; alg: typeof ALG; privateJwk: JWK; publicJwk: JWK };

/** A key pair that lives only in this process: tests use it so they never touch `.data/`. */
export async function ephemeralKeys(): Promise<DevKeys> {
  const { stored } = await generate();
  return fromStored(stored);
}

/** The developer's key pair from `.data/dev-keys.json`, created on first use. */
export async function loadDevKeys(file: string = DEV_KEYS_FILE): Promise<DevKeys> {
  const existing = readStored(file);
  if (existing) return fromStored(existing);
  const { stored } = await generate();
  mkdirSync(dirname(file), { recursive: true });
  // Written aside, then linked into place: the link appears whole or not at all, so when two processes
  // race on first use the loser reads the winner's complete file and adopts its key.
  const pending = `${file}.${process.pid}.${randomUUID()}`;
  writeFileSync(pending, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  try {
    linkSync(pending, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const winner = readStored(file);
    if (!winner) throw new Error(`${file} exists but holds no key pair.`);
    return fromStored(winner);
  } finally {
    rmSync(pending, { force: true });
  }
  return fromStored(stored);
}

let defaultKeys: Promise<DevKeys> | undefined;
function devKeys(): Promise<DevKeys> {
  defaultKeys ??= loadDevKeys();
  return defaultKeys;
}

export async function mintToken(request: TokenRequest, keys?: DevKeys): Promise<string> {
  if (!(DEV_ROLES as readonly string[]).includes(request.role)) {
    throw new Error(`Unknown role ${request.role}; use one of ${DEV_ROLES.join(", ")}.`);
  }
  if (!request.scope) throw new Error("A token needs a scope (an org path such as DB/TUA-CHUA).");
  if (request.role === "BORROWER" && !request.memberId) throw new Error("A BORROWER token needs a member id.");
  if (request.role !== "BORROWER" && request.memberId) {
    throw new Error("Only BORROWER tokens carry a member id.");
  }
  const signing = keys ?? (await devKeys());
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = request.expiresIn ?? "1h";
  const claims: JWTPayload = {
    "custom:role": request.role,
    "custom:scope": request.scope,
    // Cognito marks ID tokens this way; the custom attributes only ever appear in ID tokens.
    token_use: "id",
    ...(request.memberId ? { "custom:memberId": request.memberId } : {}),
    ...(request.overrides?.length ? { "custom:overrides": request.overrides.join(",") } : {}),
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALG, kid: signing.kid, typ: "JWT" })
    .setSubject(request.sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(typeof expiresIn === "number" && expiresIn < 0 ? now + expiresIn - 60 : now)
    .setJti(randomUUID())
    .setExpirationTime(typeof expiresIn === "number" ? now + expiresIn : expiresIn)
    .sign(signing.privateKey);
}

/** Verifies signature, issuer, audience and expiry the way the API Gateway JWT authorizer does. */
export async function verifyToken(token: string, keys?: DevKeys): Promise<JWTPayload> {
  const verifying = keys ?? (await devKeys());
  const { payload } = await jwtVerify(token, verifying.publicKey, {
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: [ALG],
  });
  return payload;
}

/** The public half as a JWKS document, for tools that want to verify local tokens themselves. */
export function jwks(keys: DevKeys): { keys: JWK[] } {
  return { keys: [keys.publicJwk] };
}

async function generate(): Promise<{ stored: StoredKeys }> {
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = `local-${randomUUID()}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: "sig" };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ALG };
  return { stored: { kid, alg: ALG, privateJwk, publicJwk } };
}

async function fromStored(stored: StoredKeys): Promise<DevKeys> {
  const privateKey = await importJWK(stored.privateJwk, ALG);
  const publicKey = await importJWK(stored.publicJwk, ALG);
  if (!isCryptoKey(privateKey) || !isCryptoKey(publicKey)) throw new Error("The dev key file holds no EC keys.");
  return { kid: stored.kid, privateKey, publicKey, publicJwk: stored.publicJwk };
}

function isCryptoKey(key: unknown): key is CryptoKey {
  return typeof key === "object" && key !== null && "type" in key && "algorithm" in key;
}

function readStored(file: string): StoredKeys | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<StoredKeys>;
  if (!parsed.kid || !parsed.privateJwk || !parsed.publicJwk) {
    throw new Error(`${file} is not a dev key file; delete it to mint a new key pair.`);
  }
  return { kid: parsed.kid, alg: ALG, privateJwk: parsed.privateJwk, publicJwk: parsed.publicJwk };
}
