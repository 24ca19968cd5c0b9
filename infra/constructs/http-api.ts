import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import { HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { type RouteDef, routeKey } from "../../shared/http/routes.ts";
import type { StageSettings } from "../settings.ts";

export type PolicyCreditHttpApiProps = {
  settings: StageSettings;
  routes: readonly RouteDef[];
  functionFor: (name: string) => lambda.IFunction;
  jwtIssuer: string;
  jwtAudience: string[];
};

/** The public HTTP API: one route per manifest entry, JWT-protected unless the manifest marks it open. */
export class PolicyCreditHttpApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly url: string;

  constructor(scope: Construct, id: string, props: PolicyCreditHttpApiProps) {
    super(scope, id);
    const { settings } = props;
    const name = `policy-credit-${settings.stage}-http`;

    const authorizer = new HttpJwtAuthorizer("CognitoJwt", props.jwtIssuer, {
      authorizerName: `${name}-cognito`,
      jwtAudience: props.jwtAudience,
    });

    this.api = new apigw.HttpApi(this, "Api", {
      apiName: name,
      description: `Policy credit HTTP API (${settings.stage})`,
      // A route the manifest forgets to mark open still requires a token.
      defaultAuthorizer: authorizer,
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: settings.allowedOrigins,
        allowMethods: [
          apigw.CorsHttpMethod.GET,
          apigw.CorsHttpMethod.POST,
          apigw.CorsHttpMethod.PUT,
          apigw.CorsHttpMethod.DELETE,
          apigw.CorsHttpMethod.OPTIONS,
        ],
        allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key"],
        exposeHeaders: ["Idempotent-Replayed"],
        maxAge: Duration.hours(1),
      },
    });

    const accessLogs = new logs.LogGroup(this, "AccessLogs", {
      logGroupName: `/aws/apigateway/${name}/access`,
      retention: settings.isProduction ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.ONE_MONTH,
      removalPolicy: settings.isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    this.stage = new apigw.HttpStage(this, "DefaultStage", {
      httpApi: this.api,
      stageName: "$default",
      autoDeploy: true,
      throttle: { rateLimit: settings.throttle.rateLimit, burstLimit: settings.throttle.burstLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: "$context.requestId",
            requestTime: "$context.requestTimeEpoch",
            sourceIp: "$context.identity.sourceIp",
            routeKey: "$context.routeKey",
            status: "$context.status",
            latencyMs: "$context.responseLatency",
            responseLength: "$context.responseLength",
            sub: "$context.authorizer.claims.sub",
            authorizerError: "$context.authorizer.error",
            integrationError: "$context.integrationErrorMessage",
          }),
        ),
      },
    });
    this.url = this.stage.url;

    const integrations = new Map<string, HttpLambdaIntegration>();
    const seen = new Set<string>();
    for (const route of props.routes) {
      const key = routeKey(route);
      if (seen.has(key)) throw new Error(`route ${key} is listed twice`);
      seen.add(key);
      // The APIG4 acknowledgement below only holds for read-only pages.
      if (route.open && route.method !== "GET") throw new Error(`open route ${key} must be a GET`);

      let integration = integrations.get(route.function);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.function}Integration`, props.functionFor(route.function));
        integrations.set(route.function, integration);
      }

      const [created] = this.api.addRoutes({
        path: route.path,
        methods: [apigw.HttpMethod[route.method]],
        integration,
        ...(route.open ? { authorizer: new apigw.HttpNoneAuthorizer() } : {}),
      });
      if (created && route.open) {
        Validations.of(created).acknowledge({
          id: "AwsSolutions-APIG4",
          reason:
            `${key} is marked open in shared/http/routes.ts, which keeps open routes to health and API docs: ` +
            "read-only, no caller data, and needed before sign-in.",
        });
      }
    }
  }
}
