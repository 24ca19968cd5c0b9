import { queryAll } from "./items.ts";
import { keys } from "./keys.ts";
import { levelOf } from "./portfolio.ts";

/** Child org nodes (or groups) under a path, in key order. */
async function children(path: string, prefix: "ORG#" | "GROUP#"): Promise<string[]> {
  const out: string[] = [];
  for await (const page of queryAll({ index: "GSI1", partition: keys.orgChildren(path), skPrefix: prefix })) {
    for (const item of page.items) out.push(prefix === "GROUP#" ? (item.groupId as string) : (item.path as string));
  }
  return out;
}

/** The communes a scope covers: itself, its own commune for a group, or every commune below it. */
export async function communesIn(scope: string): Promise<string[]> {
  const parts = scope.split("/");
  switch (levelOf(scope)) {
    case "GROUP":
    case "COMMUNE":
      return [parts.slice(0, 3).join("/")];
    case "DISTRICT":
      return children(scope, "ORG#");
    case "PROVINCE": {
      const communes: string[] = [];
      for (const district of await children(scope, "ORG#")) communes.push(...(await children(district, "ORG#")));
      return communes;
    }
  }
}

/** The groups a scope covers, commune by commune. */
export async function groupsIn(scope: string): Promise<string[]> {
  if (levelOf(scope) === "GROUP") return [scope.split("/")[3]!];
  const groups: string[] = [];
  for (const commune of await communesIn(scope)) groups.push(...(await children(commune, "GROUP#")));
  return groups;
}
