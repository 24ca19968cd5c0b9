/**
 * Closed value sets the API accepts. They live apart from the table adapters so that contracts (and
 * the OpenAPI function, which bundles every contract) never pull in the AWS SDK.
 */
export const ENTRUSTED_ORGS = ["WOMEN_UNION", "FARMERS_ASSOCIATION", "VETERANS_ASSOCIATION", "YOUTH_UNION"] as const;
export type EntrustedOrg = (typeof ENTRUSTED_ORGS)[number];
export const HOUSEHOLD_CATEGORIES = ["POOR", "NEAR_POOR", "ESCAPED_POVERTY", "POLICY_BENEFICIARY", "OTHER"] as const;
export const FEE_KINDS = ["COMMISSION", "ENTRUSTMENT_FEE"] as const;
export type FeeKind = (typeof FEE_KINDS)[number];
