/**
 * Values for a JSON Schema, in two kinds: ones the schema allows, and ones that break it in exactly one
 * place (a wrong type, a missing or an unknown field, a number out of range or with a fraction, an
 * oversized string, a malformed date). Ids the fixture really holds are offered by field name, so
 * valid requests reach records that exist instead of stopping at "not found".
 */
import fc from "fast-check";
import { type JsonSchema, resolveRef } from "./json-schema.ts";

export type Pools = Readonly<Record<string, readonly string[]>>;

export type SchemaContext = {
  /** The whole OpenAPI document, for `$ref`s. */
  root: unknown;
  /** Values the seeded fixture holds, by property or parameter name. */
  pools: Pools;
  /** The server's business date, YYYY-MM-DD: valid dates cluster around it. */
  today: string;
  /** Longest string worth sending where it ends up in a URL (a path segment or a query value). */
  urlBound?: boolean;
};

type Schema = Exclude<JsonSchema, boolean>;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// Built once: fast-check would spend most of the run generating and shrinking strings this long.
const HUGE_ASCII = "x".repeat(200_000);
const HUGE_UNICODE = "Mường Báng ắ ".repeat(15_000);
const LONG_FOR_URL = "A".repeat(3_000);
// Characters a Vietnamese field form sends; fast-check's default strings are printable ASCII only.
const VI_UNITS = [..."aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ "];

function deref(schema: JsonSchema, ctx: SchemaContext): Schema {
  if (schema === true || schema === false) return {};
  if (typeof schema.$ref === "string") return deref(resolveRef(ctx.root, schema.$ref), ctx);
  return schema;
}

function typesOf(schema: Schema): string[] | undefined {
  if (schema.type === undefined) return undefined;
  return Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * Mostly today and the months before it, where the fixture's loan lives and postings are accepted;
 * sometimes the future or any real date.
 */
function dateArb(ctx: SchemaContext): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(ctx.today) },
    { weight: 3, arbitrary: fc.integer({ min: -30, max: 0 }).map((n) => addDays(ctx.today, n)) },
    { weight: 3, arbitrary: fc.integer({ min: -730, max: 0 }).map((n) => addDays(ctx.today, n)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 90 }).map((n) => addDays(ctx.today, n)) },
    {
      weight: 1,
      arbitrary: fc
        .date({ min: new Date("1900-01-01T00:00:00Z"), max: new Date("2200-12-31T00:00:00Z"), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10)),
    },
  );
}

function dateTimeArb(ctx: SchemaContext): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.integer({ min: -400, max: 0 }),
      fc.integer({ min: 0, max: 86_399 }),
      fc.constantFrom("Z", "+07:00", "+00:00", "-05:00"),
    )
    .map(([days, seconds, offset]) => {
      const time = new Date(seconds * 1000).toISOString().slice(11, 19);
      return `${addDays(ctx.today, days)}T${time}${offset}`;
    });
}

function stringArb(schema: Schema, ctx: SchemaContext): fc.Arbitrary<string> {
  const minLength = (schema.minLength as number | undefined) ?? 0;
  const maxLength = (schema.maxLength as number | undefined) ?? 60;
  let base: fc.Arbitrary<string>;
  if (schema.format === "date") base = dateArb(ctx);
  else if (schema.format === "date-time") base = dateTimeArb(ctx);
  else if (typeof schema.pattern === "string") base = fc.stringMatching(new RegExp(schema.pattern));
  else {
    base = fc.oneof(
      fc.string({ minLength, maxLength: Math.min(maxLength, minLength + 40) }),
      fc.string({ unit: fc.constantFrom(...VI_UNITS), minLength, maxLength: Math.min(maxLength, minLength + 40) }),
    );
  }
  return base.filter((s) => {
    const length = [...s].length;
    return length >= minLength && length <= maxLength;
  });
}

/** A value the schema allows. */
export function validValue(raw: JsonSchema, ctx: SchemaContext, name?: string): fc.Arbitrary<unknown> {
  const schema = deref(raw, ctx);
  if ("const" in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((s) => validValue(s, ctx, name)));
  const types = typesOf(schema);
  if (!types) return fc.jsonValue({ maxDepth: 2 });
  if (types.length > 1) return fc.oneof(...types.map((type) => validValue({ ...schema, type }, ctx, name)));
  switch (types[0]) {
    case "string": {
      const generated = stringArb(schema, ctx);
      const pool = name ? ctx.pools[name] : undefined;
      return pool?.length
        ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary: generated })
        : generated;
    }
    case "integer": {
      const min = Math.max((schema.minimum as number | undefined) ?? -MAX_SAFE, -MAX_SAFE);
      const max = Math.min((schema.maximum as number | undefined) ?? MAX_SAFE, MAX_SAFE);
      // Amounts a member really pays are small next to the 10^12 cap; without the low ranges every
      // interest amount would exceed what is payable and no payment would post.
      return fc.oneof(
        { weight: 2, arbitrary: fc.integer({ min, max: Math.min(max, min + 1_000) }) },
        { weight: 2, arbitrary: fc.integer({ min, max: Math.min(max, min + 10_000_000) }) },
        { weight: 1, arbitrary: fc.integer({ min, max }) },
        { weight: 1, arbitrary: fc.constantFrom(min, max) },
      );
    }
    case "number":
      return fc.double({
        min: (schema.minimum as number | undefined) ?? -1e12,
        max: (schema.maximum as number | undefined) ?? 1e12,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array": {
      const minLength = (schema.minItems as number | undefined) ?? 0;
      const maxLength = Math.min((schema.maxItems as number | undefined) ?? minLength + 4, minLength + 4);
      return fc.array(validValue((schema.items ?? true) as JsonSchema, ctx), { minLength, maxLength });
    }
    case "object": {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = (schema.required ?? []) as string[];
      return optionalRecord(
        Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, validValue(s, ctx, k)])),
        required,
      );
    }
    default:
      throw new Error(`Cannot generate a value of type ${types[0]}`);
  }
}

/**
 * An object whose optional keys are each left out half the time. fast-check's own record includes
 * them far more often, and then an optional cursor or limit nearly always stands between a valid
 * request and the handler's success path.
 */
export function optionalRecord<T>(
  model: Record<string, fc.Arbitrary<T>>,
  required: readonly string[],
): fc.Arbitrary<Record<string, T>> {
  const entries = Object.entries(model).map(([key, arb]) =>
    required.includes(key)
      ? arb.map((v) => [key, v] as const)
      : fc.option(
          arb.map((v) => [key, v] as const),
          { freq: 2 },
        ),
  );
  return fc
    .tuple(...entries)
    .map((pairs) => Object.fromEntries(pairs.filter((p): p is readonly [string, T] => p !== null)));
}

const WRONG_TYPED: Record<string, unknown[]> = {
  null: [null],
  boolean: [true, false],
  integer: [7, 0, -1],
  number: [4.5, 1e-7],
  string: ["", "12", "true", "null"],
  array: [[], [1, "a"]],
  object: [{}, { a: 1 }],
};

/** JSON values of every type the schema does not allow. */
function wrongType(schema: Schema): fc.Arbitrary<unknown> {
  const allowed = new Set(typesOf(schema) ?? []);
  if (allowed.has("number")) allowed.add("integer");
  // An integer field still refuses 4.5, so fractions count as the wrong type there.
  const candidates = Object.entries(WRONG_TYPED)
    .filter(([type]) => !allowed.has(type))
    .flatMap(([, values]) => values);
  return fc.constantFrom(...candidates);
}

const BAD_DATES = [
  "2024-02-30",
  "2023-02-29",
  "2024-13-01",
  "2024-00-10",
  "2024-04-31",
  "24-01-01",
  "2024-1-1",
  "2024/01/01",
  "01/02/2024",
  "2024-01-01T00:00:00Z",
  "0000-01-01",
  "1899-12-31",
  "2201-01-01",
  "9999-12-31",
  "today",
  " 2024-01-01",
  "2024-01-01 ",
  "２０２４-01-01",
];

const BAD_DATE_TIMES = [
  "2024-01-01",
  "2024-02-30T10:00:00+07:00",
  "2024-01-01T25:00:00Z",
  "2024-01-01 10:00:00",
  "2024-01-01T10:00:00",
  "1704067200",
  "0000-01-01T00:00:00Z",
];

const BAD_IDS = ["lower-case", "-LEADING-DASH", " SPACE", "A".repeat(65), "Ω", "A B", "A\u0000B", "<script>", "'; --"];

function brokenString(schema: Schema, ctx: SchemaContext): fc.Arbitrary<unknown> {
  const options: fc.Arbitrary<unknown>[] = [wrongType(schema)];
  const huge = ctx.urlBound ? [LONG_FOR_URL] : [HUGE_ASCII, HUGE_UNICODE];
  options.push(fc.constantFrom(...huge));
  if (typeof schema.maxLength === "number") options.push(fc.constant("é".repeat(schema.maxLength + 1)));
  if (typeof schema.minLength === "number" && schema.minLength > 0) options.push(fc.constantFrom("", "   ", "\t\n"));
  if (schema.format === "date") options.push(fc.constantFrom(...BAD_DATES));
  if (schema.format === "date-time") options.push(fc.constantFrom(...BAD_DATE_TIMES));
  if (typeof schema.pattern === "string") {
    const pattern = new RegExp(schema.pattern, "u");
    options.push(
      fc.constantFrom(...BAD_IDS).filter((s) => !pattern.test(s)),
      fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !pattern.test(s)),
    );
  }
  if (Array.isArray(schema.enum)) {
    const first = String(schema.enum[0]);
    options.push(fc.constantFrom(first.toLowerCase(), `${first} `, "UNKNOWN", ""));
  }
  // A string field with nothing to break but its type and size (a cursor, a reason): control characters.
  options.push(fc.constantFrom("\u0000", "line\nbreak", "\u001f"));
  return fc.oneof(...options);
}

function brokenInteger(schema: Schema): fc.Arbitrary<unknown> {
  const min = schema.minimum as number | undefined;
  const max = schema.maximum as number | undefined;
  const options: fc.Arbitrary<unknown>[] = [
    wrongType(schema),
    fc.constantFrom("1", "1e3", "1.000", "0x10", "١٠٠"),
    // A fraction where a whole number is required.
    fc.integer({ min: min ?? -1000, max: Math.min(max ?? 1000, (min ?? -1000) + 1000) }).map((n) => n + 0.5),
    fc.constantFrom(1e300, -1e300, 2 ** 53 + 2, -(2 ** 53) - 2),
  ];
  if (min !== undefined && min > -MAX_SAFE) {
    options.push(fc.constantFrom(min - 1, min - 1_000_000_000_000_000));
  }
  if (max !== undefined && max < MAX_SAFE) options.push(fc.constantFrom(max + 1, max * 1000));
  return fc.oneof(...options);
}

/** A value that breaks the schema in one place. */
export function brokenValue(raw: JsonSchema, ctx: SchemaContext): fc.Arbitrary<unknown> {
  const schema = deref(raw, ctx);
  if (Array.isArray(schema.enum) || "const" in schema) {
    return fc.oneof(brokenString({ ...schema, type: "string" }, ctx), fc.constantFrom(null, 1, {}));
  }
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return fc.constantFrom(...Object.values(WRONG_TYPED).flat());
  const types = typesOf(schema) ?? [];
  if (types.length !== 1) return wrongType(schema);
  switch (types[0]) {
    case "string":
      return brokenString(schema, ctx);
    case "integer":
      return brokenInteger(schema);
    case "number":
      return fc.oneof(wrongType(schema), fc.constantFrom("1", "Infinity", "NaN"));
    case "boolean":
      return fc.oneof(wrongType(schema), fc.constantFrom("true", "false", 1, 0, "yes"));
    case "array":
      return brokenArray(schema, ctx);
    case "object":
      return brokenObject(schema, ctx);
    default:
      return wrongType(schema);
  }
}

function brokenArray(schema: Schema, ctx: SchemaContext): fc.Arbitrary<unknown> {
  const items = (schema.items ?? true) as JsonSchema;
  const options: fc.Arbitrary<unknown>[] = [
    wrongType(schema),
    fc
      .tuple(fc.array(validValue(items, ctx), { maxLength: 2 }), brokenValue(items, ctx), fc.nat(2))
      .map(([good, bad, at]) => [...good.slice(0, at), bad, ...good.slice(at)]),
  ];
  if (typeof schema.minItems === "number" && schema.minItems > 0) options.push(fc.constant([]));
  if (typeof schema.maxItems === "number") {
    const count = schema.maxItems + 1;
    options.push(validValue(items, ctx).map((item) => Array.from({ length: count }, () => item)));
  }
  return fc.oneof(...options);
}

const EXTRA_KEYS = ["extra", "__proto__", "constructor", "isAdmin", "status", "AMOUNTVND", "groupid", ""];

function brokenObject(schema: Schema, ctx: SchemaContext): fc.Arbitrary<unknown> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = ((schema.required ?? []) as string[]).filter((k) => k in properties);
  const valid = validValue(schema, ctx) as fc.Arbitrary<Record<string, unknown>>;
  const options: fc.Arbitrary<unknown>[] = [
    fc.constantFrom<unknown>(null, [], "{}", 0, true, [{}]),
    ...Object.entries(properties).map(([key, s]) =>
      fc.tuple(valid, brokenValue(s, ctx)).map(([o, bad]) => ({ ...o, [key]: bad })),
    ),
  ];
  if (required.length) {
    options.push(
      fc.tuple(valid, fc.constantFrom(...required)).map(([o, key]) => {
        const copy = { ...o };
        delete copy[key];
        return copy;
      }),
    );
  }
  if (schema.additionalProperties === false) {
    options.push(
      fc
        .tuple(
          valid,
          fc.oneof(fc.constantFrom(...EXTRA_KEYS), fc.string({ minLength: 1, maxLength: 12 })),
          fc.jsonValue({ maxDepth: 2 }),
        )
        .filter(([, key]) => !(key in properties))
        .map(([o, key, v]) => ({ ...o, [key]: v })),
    );
  }
  return fc.oneof(...options);
}

/** Query and path values travel as text, so anything that is not a string is sent as its JSON. */
export function asText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}
