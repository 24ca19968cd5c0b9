import * as z from "zod/mini";
import { ENTRUSTED_ORGS, HOUSEHOLD_CATEGORIES } from "../../../shared/http/enums.ts";
import { defineContract } from "../../../shared/http/route.ts";
import { code, id, listQuery, listResponse, text } from "../../../shared/http/schemas.ts";

const STAFF_WRITE = ["ADMIN", "BANK_OFFICER"] as const;
const OVERSIGHT = ["ADMIN", "BANK_OFFICER", "COMMUNE_OFFICER", "ORG_OFFICER", "GROUP_LEADER"] as const;

export const communeBody = z.strictObject({
  code,
  name: text(200),
  districtCode: code,
  provinceCode: code,
  districtName: z.optional(text(200)),
  provinceName: z.optional(text(200)),
});
const communeOut = z.object({
  path: z.string(),
  code: z.string(),
  name: z.string(),
  districtPath: z.string(),
  provinceCode: z.string(),
});

export const createCommune = defineContract({
  method: "POST",
  path: "/v1/communes",
  operationId: "createCommune",
  summary: "Create a commune, and its district and province if they are new",
  tags: ["org"],
  roles: STAFF_WRITE,
  body: communeBody,
  responses: { 201: { description: "Created", schema: communeOut } },
});

export const groupBody = z.strictObject({
  communeCode: code,
  villageName: text(200),
  name: text(200),
  entrustedOrg: z.enum(ENTRUSTED_ORGS),
  groupId: z.optional(code),
});
export const groupOut = z.object({
  groupId: z.string(),
  scope: z.string(),
  communePath: z.string(),
  villageName: z.string(),
  name: z.string(),
  entrustedOrg: z.enum(ENTRUSTED_ORGS),
  leaderMemberId: z.nullable(z.string()),
  memberCount: z.int(),
  createdAt: z.string(),
});

export const createGroup = defineContract({
  method: "POST",
  path: "/v1/groups",
  operationId: "createGroup",
  summary: "Create a savings-and-loan group in a commune",
  tags: ["groups"],
  roles: [...STAFF_WRITE, "COMMUNE_OFFICER"],
  body: groupBody,
  responses: { 201: { description: "Created", schema: groupOut } },
  problems: [422],
});

const groupParams = z.strictObject({ groupId: id });

export const getGroup = defineContract({
  method: "GET",
  path: "/v1/groups/{groupId}",
  operationId: "getGroup",
  summary: "A group",
  tags: ["groups"],
  roles: OVERSIGHT,
  params: groupParams,
  responses: { 200: { description: "The group", schema: groupOut } },
});

export const setLeader = defineContract({
  method: "PUT",
  path: "/v1/groups/{groupId}/leader",
  operationId: "setGroupLeader",
  summary: "Record the leader the members elected",
  tags: ["groups"],
  roles: [...STAFF_WRITE, "ORG_OFFICER"],
  params: groupParams,
  body: z.strictObject({ memberId: id }),
  responses: { 200: { description: "Updated", schema: groupOut } },
  problems: [409, 422],
});

export const memberBody = z.strictObject({
  groupId: id,
  fullName: text(200),
  nationalId: z.string().check(z.regex(/^(\d{9}|\d{12})$/, "must be 12 digits (or 9 for an old id card)")),
  phone: z.string().check(z.regex(/^(0|\+84)[35789]\d{8}$/, "must be a Vietnamese mobile number")),
  householdCategory: z.enum(HOUSEHOLD_CATEGORIES),
  smsOptOut: z.optional(z.boolean()),
});
export const memberOut = z.object({
  memberId: z.string(),
  groupId: z.string(),
  scope: z.string(),
  fullName: z.string(),
  nationalIdMasked: z.string(),
  phoneMasked: z.string(),
  householdCategory: z.enum(HOUSEHOLD_CATEGORIES),
  smsOptOut: z.boolean(),
  createdAt: z.string(),
});

export const createMember = defineContract({
  method: "POST",
  path: "/v1/members",
  operationId: "createMember",
  summary: "Add a member (household representative) to a group; at most 60 per group",
  tags: ["members"],
  roles: [...STAFF_WRITE, "ORG_OFFICER", "GROUP_LEADER"],
  body: memberBody,
  responses: { 201: { description: "Created", schema: memberOut } },
  problems: [422],
});

export const getMember = defineContract({
  method: "GET",
  path: "/v1/members/{memberId}",
  operationId: "getMember",
  summary: "A member; borrowers see only themselves",
  tags: ["members"],
  roles: [...OVERSIGHT, "BORROWER"],
  params: z.strictObject({ memberId: id }),
  responses: { 200: { description: "The member", schema: memberOut } },
});

export const listMembers = defineContract({
  method: "GET",
  path: "/v1/groups/{groupId}/members",
  operationId: "listGroupMembers",
  summary: "Members of a group",
  tags: ["members"],
  roles: OVERSIGHT,
  params: groupParams,
  query: listQuery,
  responses: { 200: { description: "A page of members", schema: listResponse(memberOut) } },
});

export const setSmsPreference = defineContract({
  method: "PUT",
  path: "/v1/members/{memberId}/sms-preference",
  operationId: "setMemberSmsPreference",
  summary: "Opt a member out of (or back into) SMS reminders; borrowers may set their own",
  tags: ["members"],
  roles: ["ADMIN", "BANK_OFFICER", "ORG_OFFICER", "GROUP_LEADER", "BORROWER"],
  params: z.strictObject({ memberId: id }),
  body: z.strictObject({ smsOptOut: z.boolean() }),
  responses: { 200: { description: "Updated", schema: memberOut } },
});
