/**
 * The part of JSON Schema 2020-12 the served OpenAPI document uses, as a validator. A keyword it does
 * not know makes it throw rather than pass, so a document that grows new constraints cannot make the
 * fuzzer approve responses it never checked.
 */

export type JsonSchema = { [keyword: string]: unknown } | boolean;

/** Keywords that describe but never constrain. */
const ANNOTATIONS = new Set([
  "$schema",
  "$id",
  "$comment",
  "title",
  "description",
  "default",
  "examples",
  "deprecated",
  "readOnly",
  "writeOnly",
  "contentMediaType",
  "contentEncoding",
]);

const ASSERTIONS = new Set([
  "$ref",
  "type",
  "enum",
  "const",
  "anyOf",
  "oneOf",
  "allOf",
  "not",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minLength",
  "maxLength",
  "pattern",
  "format",
  "items",
  "minItems",
  "maxItems",
  "uniqueItems",
  "properties",
  "required",
  "additionalProperties",
  "patternProperties",
]);

export type SchemaError = { path: string; message: string };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

export function isCalendarDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

function typeOk(type: string, value: unknown): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "boolean":
      return typeof value === "boolean";
    case "string":
      return typeof value === "string";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    default:
      throw new Error(`JSON Schema type ${type} is not supported by this validator`);
  }
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const patterns = new Map<string, RegExp>();
function regex(source: string): RegExp {
  let compiled = patterns.get(source);
  if (!compiled) {
    compiled = new RegExp(source, "u");
    patterns.set(source, compiled);
  }
  return compiled;
}

/** Resolves a local `$ref` such as `#/components/schemas/Problem` against the whole document. */
export function resolveRef(root: unknown, ref: string): JsonSchema {
  if (!ref.startsWith("#/")) throw new Error(`Only local $refs are supported, got ${ref}`);
  let node: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    node = (node as Record<string, unknown> | undefined)?.[key];
  }
  if (node === undefined) throw new Error(`Unresolvable $ref ${ref}`);
  return node as JsonSchema;
}

export function validate(schema: JsonSchema, value: unknown, root: unknown, path = "$"): SchemaError[] {
  const errors: SchemaError[] = [];
  check(schema, value, root, path, errors);
  return errors;
}

function check(schema: JsonSchema, value: unknown, root: unknown, path: string, errors: SchemaError[]): void {
  if (schema === true) return;
  if (schema === false) {
    errors.push({ path, message: "no value is allowed here" });
    return;
  }
  for (const keyword of Object.keys(schema)) {
    if (!ASSERTIONS.has(keyword) && !ANNOTATIONS.has(keyword)) {
      throw new Error(`JSON Schema keyword ${keyword} at ${path} is not supported by this validator`);
    }
  }
  const fail = (message: string) => errors.push({ path, message });

  if (typeof schema.$ref === "string") check(resolveRef(root, schema.$ref), value, root, path, errors);

  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => typeOk(t, value))) {
      fail(
        `expected ${types.join(" or ")}, got ${value === null ? "null" : Array.isArray(value) ? "array" : typeof value}`,
      );
      return;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => equal(e, value))) {
    fail(`expected one of ${JSON.stringify(schema.enum)}, got ${JSON.stringify(value)}`);
  }
  if ("const" in schema && !equal(schema.const, value)) fail(`expected ${JSON.stringify(schema.const)}`);

  if (Array.isArray(schema.allOf)) for (const s of schema.allOf as JsonSchema[]) check(s, value, root, path, errors);
  if (Array.isArray(schema.anyOf)) {
    const ok = (schema.anyOf as JsonSchema[]).some((s) => validate(s, value, root, path).length === 0);
    if (!ok) fail(`matches none of anyOf: ${JSON.stringify(value)?.slice(0, 200)}`);
  }
  if (Array.isArray(schema.oneOf)) {
    const matches = (schema.oneOf as JsonSchema[]).filter((s) => validate(s, value, root, path).length === 0).length;
    if (matches !== 1) fail(`matches ${matches} of oneOf, expected exactly 1`);
  }
  if (schema.not !== undefined && validate(schema.not as JsonSchema, value, root, path).length === 0) {
    fail("matches a schema it must not");
  }

  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) fail(`${value} < minimum ${schema.minimum}`);
    if (typeof schema.maximum === "number" && value > schema.maximum) fail(`${value} > maximum ${schema.maximum}`);
    if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum) {
      fail(`${value} <= exclusiveMinimum ${schema.exclusiveMinimum}`);
    }
    if (typeof schema.exclusiveMaximum === "number" && value >= schema.exclusiveMaximum) {
      fail(`${value} >= exclusiveMaximum ${schema.exclusiveMaximum}`);
    }
    if (typeof schema.multipleOf === "number" && !Number.isInteger(value / schema.multipleOf)) {
      fail(`${value} is not a multiple of ${schema.multipleOf}`);
    }
  }

  if (typeof value === "string") {
    // JSON Schema counts characters as code points, not UTF-16 units.
    const length = [...value].length;
    if (typeof schema.minLength === "number" && length < schema.minLength) fail(`shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === "number" && length > schema.maxLength) fail(`longer than ${schema.maxLength}`);
    if (typeof schema.pattern === "string" && !regex(schema.pattern).test(value)) {
      fail(`${JSON.stringify(value.slice(0, 80))} does not match ${schema.pattern}`);
    }
    if (schema.format !== undefined && schema.format !== "date" && schema.format !== "date-time") {
      throw new Error(`JSON Schema format ${String(schema.format)} at ${path} is not supported by this validator`);
    }
    if (schema.format === "date" && !isCalendarDate(value)) fail(`${JSON.stringify(value)} is not a date`);
    if (schema.format === "date-time" && !(DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)))) {
      fail(`${JSON.stringify(value)} is not a date-time`);
    }
  }

  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems)
      fail(`fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems)
      fail(`more than ${schema.maxItems} items`);
    if (schema.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) {
      fail("items are not unique");
    }
    if (schema.items !== undefined) {
      value.forEach((item, i) => {
        check(schema.items as JsonSchema, item, root, `${path}[${i}]`, errors);
      });
    }
  }

  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    const patternProperties = (schema.patternProperties ?? {}) as Record<string, JsonSchema>;
    for (const name of (schema.required ?? []) as string[]) {
      if (!(name in object)) fail(`missing required property ${name}`);
    }
    for (const [name, v] of Object.entries(object)) {
      let matched = false;
      if (name in properties) {
        matched = true;
        check(properties[name]!, v, root, `${path}.${name}`, errors);
      }
      for (const [source, s] of Object.entries(patternProperties)) {
        if (regex(source).test(name)) {
          matched = true;
          check(s, v, root, `${path}.${name}`, errors);
        }
      }
      if (!matched && schema.additionalProperties !== undefined) {
        if (schema.additionalProperties === false) fail(`unexpected property ${name}`);
        else check(schema.additionalProperties as JsonSchema, v, root, `${path}.${name}`, errors);
      }
    }
  }
}
