/**
 * Key builders for every item type in the single table. Nothing else concatenates key strings.
 * See docs/data-model.md for the access pattern each serves.
 */

export type ItemKey = { PK: string; SK: string };

export const keys = {
  orgNode: (path: string): ItemKey => ({ PK: `ORG#${path}`, SK: "NODE" }),
  orgChildren: (parentPath: string) => `ORGCHILDREN#${parentPath}`,
  group: (groupId: string): ItemKey => ({ PK: `GROUP#${groupId}`, SK: "GROUP" }),
  groupMembers: (groupId: string) => `GROUP#${groupId}#MEMBERS`,
  member: (memberId: string): ItemKey => ({ PK: `MEMBER#${memberId}`, SK: "MEMBER" }),
  memberLoans: (memberId: string) => `MEMBER#${memberId}#LOANS`,
  nationalIdGuard: (nationalIdHash: string): ItemKey => ({ PK: `NATIONALID#${nationalIdHash}`, SK: "UNIQUE" }),
  savings: (memberId: string): ItemKey => ({ PK: `MEMBER#${memberId}`, SK: "SAVINGS" }),
  savingsTransaction: (memberId: string, txId: string): ItemKey => ({ PK: `MEMBER#${memberId}`, SK: `SAVTX#${txId}` }),
  savingsTransactionPrefix: "SAVTX#",
  loan: (loanId: string): ItemKey => ({ PK: `LOAN#${loanId}`, SK: "LOAN" }),
  loanTransaction: (loanId: string, txId: string): ItemKey => ({ PK: `LOAN#${loanId}`, SK: `TX#${txId}` }),
  loanTransactionPrefix: "TX#",
  loanSchedule: (loanId: string, version: number): ItemKey => ({
    PK: `LOAN#${loanId}`,
    SK: `SCHEDULE#${String(version).padStart(4, "0")}`,
  }),
  reversalGuard: (loanId: string, txId: string): ItemKey => ({ PK: `LOAN#${loanId}`, SK: `REVERSAL#${txId}` }),
  groupBook: (groupId: string) => `BOOK#${groupId}`,
  bookLoan: (memberId: string, loanId: string) => `${memberId}#LOAN#${loanId}`,
  bookSavings: (memberId: string) => `${memberId}#SAVINGS`,
  jobShard: (shard: number) => `SHARD#${String(shard).padStart(4, "0")}`,
  receipt: (receiptId: string): ItemKey => ({ PK: `RECEIPT#${receiptId}`, SK: "RECEIPT" }),
  memberReceipts: (memberId: string) => `MEMBER#${memberId}#RECEIPTS`,
  program: (code: string): ItemKey => ({ PK: `PROGRAM#${code}`, SK: "PROGRAM" }),
  idempotency: (sub: string, key: string): ItemKey => ({ PK: `IDEM#${sub}#${key}`, SK: "IDEM" }),
  aggregate: (districtPath: string, communeCode: string, programCode: string): ItemKey => ({
    PK: `AGG#${districtPath}`,
    SK: `${communeCode}#${programCode}`,
  }),
};
