import { formatDateVi } from "../../../shared/domain/dates.ts";
import { formatVnd } from "../../../shared/domain/money.ts";
import { escapeHtml, htmlPage } from "../../../shared/http/html.ts";

type Report = {
  groupId: string;
  groupName: string;
  asOf: string;
  rows: {
    fullName: string;
    outstandingPrincipalVnd: number;
    overduePrincipalVnd: number;
    accruedInterestVnd: number;
    interestArrearsVnd: number;
    savingsBalanceVnd: number;
    lastPayment: { on: string } | null;
  }[];
  totals: {
    outstandingPrincipalVnd: number;
    overduePrincipalVnd: number;
    accruedInterestVnd: number;
    interestArrearsVnd: number;
    savingsBalanceVnd: number;
  };
};

/** The printable đối chiếu nợ sheet the leader and the bank sign. */
export function reconciliationHtml(r: Report): string {
  const n = (v: number) => `<td class="n">${formatVnd(v)}</td>`;
  const rows = r.rows
    .map(
      (row, i) =>
        `<tr><td>${i + 1}</td><td>${escapeHtml(row.fullName)}</td>${n(row.outstandingPrincipalVnd)}${n(row.overduePrincipalVnd)}${n(row.accruedInterestVnd)}${n(row.interestArrearsVnd)}${n(row.savingsBalanceVnd)}<td>${row.lastPayment ? formatDateVi(row.lastPayment.on) : ""}</td></tr>`,
    )
    .join("\n");
  const t = r.totals;
  return htmlPage(
    `Đối chiếu nợ ${r.groupName}`,
    `<h1>BẢNG ĐỐI CHIẾU NỢ</h1>
<p>Tổ TK&amp;VV: <strong>${escapeHtml(r.groupName)}</strong> (${escapeHtml(r.groupId)}) · Đến hết ngày ${formatDateVi(r.asOf)} · Đơn vị: đồng</p>
<table><thead><tr><th>#</th><th>Thành viên</th><th class="n">Dư nợ</th><th class="n">Nợ quá hạn</th><th class="n">Lãi dự thu</th><th class="n">Lãi tồn đọng</th><th class="n">Tiết kiệm</th><th>Nộp gần nhất</th></tr></thead>
<tbody>
${rows}
<tr><th></th><th>Cộng</th>${n(t.outstandingPrincipalVnd)}${n(t.overduePrincipalVnd)}${n(t.accruedInterestVnd)}${n(t.interestArrearsVnd)}${n(t.savingsBalanceVnd)}<td></td></tr>
</tbody></table>
<p style="margin-top:3rem">Tổ trưởng ký tên ……………………… &nbsp;&nbsp;&nbsp; Cán bộ ngân hàng ký tên ………………………</p>`,
  );
}
