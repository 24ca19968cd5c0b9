import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const domainDir = join(import.meta.dirname, "../../../shared/domain");
const files = readdirSync(domainDir).filter((name) => name.endsWith(".ts"));

const forbidden: [string, RegExp][] = [
  ["AWS SDK or CDK", /from\s+["'](@aws-sdk\/|@aws-lambda-powertools\/|aws-cdk|aws-lambda|constructs)/],
  ["middy", /from\s+["']@middy\//],
  ["zod", /from\s+["']zod["']/],
  ["node:fs", /from\s+["'](node:)?fs(\/promises)?["']/],
  ["any node: builtin", /from\s+["']node:/],
  ["the clock (Date.now)", /Date\.now\s*\(/],
  ["the clock (new Date())", /new\s+Date\s*\(\s*\)/],
  ["floats for money (parseFloat)", /parseFloat\s*\(/],
  ["floats for money (toFixed)", /\.toFixed\s*\(/],
  ["floats for money (Math.round)", /Math\.round\s*\(/],
];

describe("shared/domain stays pure", () => {
  it("has modules to check", () => {
    expect(files).toEqual(expect.arrayContaining(["index.ts", "money.ts", "payment.ts"]));
  });

  for (const file of files) {
    it(`${file} imports no I/O, reads no clock and uses no float money helpers`, () => {
      const source = readFileSync(join(domainDir, file), "utf8");
      const hits = forbidden.filter(([, pattern]) => pattern.test(source)).map(([what]) => what);
      expect(hits).toEqual([]);
      const imports = [...source.matchAll(/from\s+["']([^"']+)["']/g)].map((match) => match[1]);
      expect(imports.filter((path) => !path?.startsWith("./"))).toEqual([]);
    });
  }
});
