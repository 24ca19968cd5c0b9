import { Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as cognito from "aws-cdk-lib/aws-cognito";
import { Construct } from "constructs";

export type AuthProps = { stage: string; isProduction: boolean };

/** Attributes that carry authorization; they reach handlers as `custom:<name>` claims of the ID token. */
export const CLAIM_ATTRIBUTES = ["role", "scope", "memberId", "overrides"] as const;

/**
 * The user pool for officers, group leaders and borrowers. Users are created by an administrator, never
 * by self sign-up, because role and scope decide what a caller may see.
 */
export class Auth extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  /** The `iss` claim of tokens from this pool. */
  readonly issuerUrl: string;

  constructor(scope: Construct, id: string, props: AuthProps) {
    super(scope, id);

    this.userPool = new cognito.UserPool(this, "UserPool", {
      userPoolName: `policy-credit-${props.stage}-users`,
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      // An SMS role would need sns:Publish on "*"; recovery is by email, or an administrator resets the password.
      enableSmsRole: false,
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      autoVerify: { email: true },
      keepOriginal: { email: true },
      standardAttributes: { email: { required: false, mutable: true } },
      // Cognito never lets a custom attribute's limits change after creation, so they leave headroom:
      // a four-level org path is up to 259 characters today.
      customAttributes: {
        role: new cognito.StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
        scope: new cognito.StringAttribute({ minLen: 1, maxLen: 512, mutable: true }),
        memberId: new cognito.StringAttribute({ minLen: 1, maxLen: 128, mutable: true }),
        // Explicit rights beyond the role, comma-separated; today only CREDIT_PLAN (disburse over a plan).
        overrides: new cognito.StringAttribute({ minLen: 1, maxLen: 256, mutable: true }),
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
        passwordHistorySize: 5,
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: cognito.FeaturePlan.PLUS,
      // Audit-only outside prod so test sign-ins from odd places are logged, not blocked.
      standardThreatProtectionMode: props.isProduction
        ? cognito.StandardThreatProtectionMode.FULL_FUNCTION
        : cognito.StandardThreatProtectionMode.AUDIT_ONLY,
      deletionProtection: props.isProduction,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    Validations.of(this.userPool).acknowledge({
      id: "AwsSolutions-COG2",
      reason:
        "MFA is optional (TOTP): group leaders and borrowers in rural communes often sign in on shared basic " +
        "phones without an authenticator app, and SMS MFA needs an SNS role with sns:Publish on '*'. " +
        "Plus-tier threat protection is enforced in prod to challenge risky sign-ins instead.",
    });

    const readAttributes = new cognito.ClientAttributes()
      .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
      .withCustomAttributes(...CLAIM_ATTRIBUTES);
    // Users must never write their own role, scope or memberId: only administrators set them, through IAM.
    const writeAttributes = new cognito.ClientAttributes().withStandardAttributes({ fullname: true });

    this.client = this.userPool.addClient("AppClient", {
      userPoolClientName: `policy-credit-${props.stage}-app`,
      generateSecret: false,
      authFlows: { userSrp: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      readAttributes,
      writeAttributes,
    });

    // ProviderURL lacks the scheme, and the JWT authorizer compares `iss` exactly.
    this.issuerUrl = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${this.userPool.userPoolId}`;
  }
}
