import { type Caller, requireOwnMemberOrScope, requireVisible } from "../http/auth.ts";
import { getItem, type Item } from "./items.ts";
import { keys } from "./keys.ts";

/**
 * Reads that answer 404 for anything the caller may not see, exactly as for an id that does not
 * exist, so no route can be used to probe which ids exist.
 */
export async function visibleGroup(caller: Caller, groupId: string): Promise<Item> {
  const group = await getItem(keys.group(groupId), true);
  requireVisible(caller, group?.scope as string | undefined, `Group ${groupId}`);
  return group!;
}

/** A member the caller may see; a borrower sees only itself. */
export async function visibleMember(caller: Caller, memberId: string): Promise<Item> {
  const member = await getItem(keys.member(memberId), true);
  requireOwnMemberOrScope(caller, memberId, member?.scope as string | undefined, `Member ${memberId}`);
  return member!;
}

/** Checks a loan already read; a borrower sees only its own loans. */
export function visibleLoan(caller: Caller, loanId: string, item: Item | undefined): Item {
  requireOwnMemberOrScope(
    caller,
    (item?.memberId as string) ?? "",
    item?.scope as string | undefined,
    `Loan ${loanId}`,
  );
  return item!;
}

export async function readVisibleLoan(caller: Caller, loanId: string): Promise<Item> {
  return visibleLoan(caller, loanId, await getItem(keys.loan(loanId), true));
}
