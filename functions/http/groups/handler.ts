import { visibleGroup, visibleMember } from "../../../shared/db/access.ts";
import { db, tableNameFromEnv } from "../../../shared/db/client.ts";
import { ID_PREFIX, newId } from "../../../shared/db/ids.ts";
import { getItem, queryPage } from "../../../shared/db/items.ts";
import { keys } from "../../../shared/db/keys.ts";
import {
  communeCodeKey,
  groupScope,
  groupView,
  MAX_GROUP_MEMBERS,
  memberView,
  nationalIdHash,
  orgNodeItem,
  putIfAbsent,
} from "../../../shared/db/org.ts";
import { isStoreError, UpdateCommand } from "../../../shared/db/store.ts";
import { idempotentTransaction, writeResult } from "../../../shared/db/write.ts";
import { requireOwnGroup, requireVisible } from "../../../shared/http/auth.ts";
import { httpFunction } from "../../../shared/http/handler.ts";
import { problems } from "../../../shared/http/problem.ts";
import { implement } from "../../../shared/http/route.ts";
import { pageOf } from "../../../shared/http/schemas.ts";
import * as c from "./contract.ts";

const createCommune = implement(c.createCommune, async ({ body, caller, idempotency }) => {
  const provincePath = body.provinceCode;
  const districtPath = `${provincePath}/${body.districtCode}`;
  const path = `${districtPath}/${body.code}`;
  requireVisible(caller, path, "The parent district");
  const now = new Date().toISOString();
  const outcome = await idempotentTransaction({
    idempotency: { sub: caller.sub, ...idempotency! },
    read: [keys.orgNode(provincePath), keys.orgNode(districtPath), communeCodeKey(body.code)],
    plan: ([province, district, codeTaken]) => {
      if (codeTaken) throw problems.conflict("COMMUNE_EXISTS", `Commune code ${body.code} is already in use.`);
      const writes = [
        putIfAbsent({ ...communeCodeKey(body.code), path }),
        putIfAbsent(orgNodeItem("COMMUNE", path, body.name, now)),
      ];
      if (!district)
        writes.push(putIfAbsent(orgNodeItem("DISTRICT", districtPath, body.districtName ?? body.districtCode, now)));
      if (!province)
        writes.push(putIfAbsent(orgNodeItem("PROVINCE", provincePath, body.provinceName ?? body.provinceCode, now)));
      const view = { path, code: body.code, name: body.name, districtPath, provinceCode: body.provinceCode };
      return { writes, response: { status: 201, body: view } };
    },
  });
  return writeResult(outcome);
});

const createGroup = implement(c.createGroup, async ({ body, caller, idempotency }) => {
  const commune = await getItem(communeCodeKey(body.communeCode));
  requireVisible(caller, commune?.path as string | undefined, `Commune ${body.communeCode}`);
  const communePath = commune!.path as string;
  const groupId = body.groupId ?? newId(ID_PREFIX.group);
  const now = new Date().toISOString();
  const outcome = await idempotentTransaction({
    idempotency: { sub: caller.sub, ...idempotency! },
    read: [keys.group(groupId)],
    plan: ([existing]) => {
      if (existing) throw problems.conflict("GROUP_EXISTS", `Group ${groupId} already exists.`);
      const item = {
        ...keys.group(groupId),
        type: "GROUP",
        groupId,
        scope: groupScope(communePath, groupId),
        communePath,
        villageName: body.villageName,
        name: body.name,
        entrustedOrg: body.entrustedOrg,
        memberCount: 0,
        createdAt: now,
        createdBy: caller.sub,
        version: 1,
        GSI1PK: keys.orgChildren(communePath),
        GSI1SK: `GROUP#${groupId}`,
      };
      return { writes: [putIfAbsent(item)], response: { status: 201, body: groupView(item) } };
    },
  });
  return writeResult(outcome);
});

const getGroup = implement(c.getGroup, async ({ params, caller }) => ({
  status: 200,
  body: groupView(await visibleGroup(caller, params.groupId)),
}));

const setLeader = implement(c.setLeader, async ({ params, body, caller }) => {
  const group = await visibleGroup(caller, params.groupId);
  const member = await getItem(keys.member(body.memberId), true);
  if (!member || member.groupId !== params.groupId) {
    throw problems.unprocessable("NOT_A_MEMBER", `Member ${body.memberId} is not in group ${params.groupId}.`);
  }
  const result = await updateGroupOrConflict(
    new UpdateCommand({
      TableName: tableNameFromEnv(),
      Key: keys.group(params.groupId),
      UpdateExpression: "SET leaderMemberId = :m, leaderSetAt = :now, leaderSetBy = :by, #v = #v + :one",
      ConditionExpression: "#v = :v",
      ExpressionAttributeNames: { "#v": "version" },
      ExpressionAttributeValues: {
        ":m": body.memberId,
        ":now": new Date().toISOString(),
        ":by": caller.sub,
        ":one": 1,
        ":v": group.version,
      },
      ReturnValues: "ALL_NEW",
    }),
  );
  return { status: 200, body: groupView(result.Attributes!) };
});

/** The version guard lost to a concurrent change of the group (a member joined, another election): 409, not 500. */
async function updateGroupOrConflict(command: UpdateCommand) {
  try {
    return await db().send(command);
  } catch (error) {
    if (isStoreError(error, "ConditionalCheckFailedException")) {
      throw problems.conflict("CONCURRENT_UPDATE", "The group changed while this request was applied. Send it again.");
    }
    throw error;
  }
}

const createMember = implement(c.createMember, async ({ body, caller, idempotency }) => {
  const memberId = newId(ID_PREFIX.member);
  const guard = keys.nationalIdGuard(nationalIdHash(body.nationalId));
  const now = new Date().toISOString();
  const outcome = await idempotentTransaction({
    idempotency: { sub: caller.sub, ...idempotency! },
    read: [keys.group(body.groupId), guard],
    plan: ([current, taken]) => {
      // The group is read once, in the write's own consistent read, and checked there.
      requireVisible(caller, current?.scope as string | undefined, `Group ${body.groupId}`);
      requireOwnGroup(caller, current!.scope, "Leaders add members to their own group only.");
      if (taken) throw problems.conflict("MEMBER_EXISTS", "A member with this national id is already registered.");
      if ((current!.memberCount as number) >= MAX_GROUP_MEMBERS) {
        throw problems.unprocessable("GROUP_FULL", `A group holds at most ${MAX_GROUP_MEMBERS} members.`);
      }
      const item = {
        ...keys.member(memberId),
        type: "MEMBER",
        memberId,
        groupId: body.groupId,
        scope: current!.scope,
        fullName: body.fullName,
        nationalId: body.nationalId,
        phone: body.phone,
        householdCategory: body.householdCategory,
        smsOptOut: body.smsOptOut ?? false,
        createdAt: now,
        createdBy: caller.sub,
        GSI1PK: keys.groupMembers(body.groupId),
        GSI1SK: `MEMBER#${memberId}`,
      };
      const writes = [
        putIfAbsent(item),
        putIfAbsent({ ...guard, memberId }),
        {
          Update: {
            Key: keys.group(body.groupId),
            UpdateExpression: "SET memberCount = memberCount + :one, #v = #v + :one",
            ConditionExpression: "#v = :v AND memberCount < :max",
            ExpressionAttributeNames: { "#v": "version" },
            ExpressionAttributeValues: { ":one": 1, ":v": current!.version, ":max": MAX_GROUP_MEMBERS },
          },
        },
      ];
      return { writes, response: { status: 201, body: memberView(item) } } as never;
    },
  });
  return writeResult(outcome);
});

const getMember = implement(c.getMember, async ({ params, caller }) => ({
  status: 200,
  body: memberView(await visibleMember(caller, params.memberId)),
}));

const listMembers = implement(c.listMembers, async ({ params, query, caller }) => {
  await visibleGroup(caller, params.groupId);
  const page = await queryPage({ index: "GSI1", partition: keys.groupMembers(params.groupId), ...pageOf(query) });
  return { status: 200, body: { items: page.items.map(memberView), nextCursor: page.nextCursor } };
});

const setSmsPreference = implement(c.setSmsPreference, async ({ params, body, caller }) => {
  const member = await visibleMember(caller, params.memberId);
  requireOwnGroup(caller, member.scope, "Group leaders change their own group's members only.");
  const result = await db().send(
    new UpdateCommand({
      TableName: tableNameFromEnv(),
      Key: keys.member(params.memberId),
      UpdateExpression: "SET smsOptOut = :o, smsOptOutSetAt = :now, smsOptOutSetBy = :by",
      ConditionExpression: "attribute_exists(PK)",
      ExpressionAttributeValues: { ":o": body.smsOptOut, ":now": new Date().toISOString(), ":by": caller.sub },
      ReturnValues: "ALL_NEW",
    }),
  );
  return { status: 200, body: memberView(result.Attributes!) };
});

export const handler = httpFunction([
  setSmsPreference,
  createCommune,
  createGroup,
  getGroup,
  setLeader,
  createMember,
  getMember,
  listMembers,
]);
