import type { Item } from "../../../shared/db/items.ts";
import { formatDateVi } from "../../../shared/domain/dates.ts";
import { formatVnd } from "../../../shared/domain/money.ts";
import { escapeHtml, htmlPage } from "../../../shared/http/html.ts";

export function receiptView(item: Item, reversed: boolean) {
  return {
    receiptId: item.receiptId as string,
    transactionId: item.transactionId as string,
    loanId: item.loanId as string,
    memberId: item.memberId as string,
    memberName: item.memberName as string,
    groupId: item.groupId as string,
    groupName: item.groupName as string,
    programCode: item.programCode as string,
    paidOn: item.paidOn as string,
    interestVnd: item.interestVnd as number,
    principalVnd: item.principalVnd as number,
    totalVnd: item.totalVnd as number,
    channel: item.channel as string,
    collector: item.collector as { sub: string; role: string },
    issuedAt: item.issuedAt as string,
    reversed,
  };
}

const CHANNEL_VI: Record<string, string> = {
  GROUP_COLLECTION: "Thu qua Tổ TK&VV",
  TRANSACTION_POINT: "Tại Điểm giao dịch xã",
  BANK_TRANSFER: "Chuyển khoản",
};

/** The printable biên lai: Vietnamese labels, amounts in đồng with vi-VN grouping. */
export function receiptHtml(r: ReturnType<typeof receiptView>): string {
  const row = (label: string, value: string, numeric = false) =>
    `<tr><th>${escapeHtml(label)}</th><td${numeric ? ' class="n"' : ""}>${escapeHtml(value)}</td></tr>`;
  return htmlPage(
    `Biên lai thu lãi ${r.receiptId}`,
    `<h1>BIÊN LAI THU LÃI TIỀN VAY</h1>
<p class="muted">Ngân hàng Chính sách xã hội · Số biên lai: <strong>${escapeHtml(r.receiptId)}</strong></p>
${r.reversed ? "<p><strong>ĐÃ HUỶ (giao dịch đã được điều chỉnh)</strong></p>" : ""}
<table>
${row("Người vay", r.memberName)}
${row("Tổ TK&VV", `${r.groupName} (${r.groupId})`)}
${row("Khế ước vay", `${r.loanId} · ${r.programCode}`)}
${row("Ngày nộp", formatDateVi(r.paidOn))}
${row("Tiền lãi", `${formatVnd(r.interestVnd)} đồng`, true)}
${row("Tiền gốc", `${formatVnd(r.principalVnd)} đồng`, true)}
${row("Tổng cộng", `${formatVnd(r.totalVnd)} đồng`, true)}
${row("Hình thức", CHANNEL_VI[r.channel] ?? r.channel)}
${row("Người thu", `${r.collector.sub} (${r.collector.role})`)}
${row("Lập lúc", r.issuedAt)}
</table>
<p class="noprint muted">In biên lai bằng chức năng in của trình duyệt.</p>`,
  );
}
