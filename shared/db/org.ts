import { createHash } from "node:crypto";
import type { Item } from "./items.ts";
import type { ItemKey } from "./keys.ts";
import { keys } from "./keys.ts";
import type { TransactItem } from "./write.ts";

/** The org tree: province / district / commune, then groups and their members. */

import type { EntrustedOrg, HOUSEHOLD_CATEGORIES } from "../http/enums.ts";

export { ENTRUSTED_ORGS, type EntrustedOrg, HOUSEHOLD_CATEGORIES } from "../http/enums.ts";
export const MAX_GROUP_MEMBERS = 60;

export const communeCodeKey = (code: string): ItemKey => ({ PK: `COMMUNECODE#${code}`, SK: "CODE" });

export type OrgLevel = "PROVINCE" | "DISTRICT" | "COMMUNE";

export function orgNodeItem(level: OrgLevel, path: string, name: string, now: string): Item {
  const parts = path.split("/");
  const parentPath = parts.slice(0, -1).join("/");
  return {
    ...keys.orgNode(path),
    type: "ORG",
    level,
    code: parts.at(-1),
    name,
    path,
    parentPath: parentPath || null,
    GSI1PK: keys.orgChildren(parentPath || "ROOT"),
    GSI1SK: `ORG#${parts.at(-1)}`,
    createdAt: now,
  };
}

/** Puts a node unless it exists: ancestors are created on first use and left alone after. */
export function putIfAbsent(item: Item): TransactItem {
  return { Put: { Item: item, ConditionExpression: "attribute_not_exists(PK)" } } as TransactItem;
}

/** Split a commune path into what aggregates and reports key on. */
export function communeParts(communePath: string) {
  const [province, district, commune] = communePath.split("/") as [string, string, string];
  return { provinceCode: province, districtPath: `${province}/${district}`, communeCode: commune };
}

export function groupScope(communePath: string, groupId: string): string {
  return `${communePath}/${groupId}`;
}

/** National ids are guarded for uniqueness by hash, so the guard item itself holds no id. */
export function nationalIdHash(nationalId: string): string {
  return createHash("sha256").update(`national-id:${nationalId}`).digest("hex");
}

export function maskTail(value: string, visible = 3): string {
  return `${"*".repeat(Math.max(0, value.length - visible))}${value.slice(-visible)}`;
}

export function groupView(item: Item) {
  return {
    groupId: item.groupId as string,
    scope: item.scope as string,
    communePath: item.communePath as string,
    villageName: item.villageName as string,
    name: item.name as string,
    entrustedOrg: item.entrustedOrg as EntrustedOrg,
    leaderMemberId: (item.leaderMemberId as string | undefined) ?? null,
    memberCount: item.memberCount as number,
    createdAt: item.createdAt as string,
  };
}

export function memberView(item: Item) {
  return {
    memberId: item.memberId as string,
    groupId: item.groupId as string,
    scope: item.scope as string,
    fullName: item.fullName as string,
    nationalIdMasked: maskTail(item.nationalId as string, 4),
    phoneMasked: maskTail(item.phone as string, 3),
    householdCategory: item.householdCategory as (typeof HOUSEHOLD_CATEGORIES)[number],
    smsOptOut: Boolean(item.smsOptOut),
    createdAt: item.createdAt as string,
  };
}
