import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/** RFC 9457 problem details, the one error shape every route answers with. */
export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
};

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export function problemType(code: string): string {
  return `urn:policy-credit:problem:${code.toLowerCase().replace(/_/g, "-")}`;
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** An error that already knows its HTTP answer. Thrown by handlers and adapters, mapped in one place. */
export class HttpProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: Problem["errors"];
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    detail: string,
    options: {
      errors?: Problem["errors"];
      extensions?: Record<string, unknown>;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(detail);
    this.name = "HttpProblem";
    this.status = status;
    this.code = code;
    this.errors = options.errors;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }

  toProblem(): Problem {
    return {
      ...this.extensions,
      type: problemType(this.code),
      title: TITLES[this.status] ?? "Error",
      status: this.status,
      detail: this.message,
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

export const problems = {
  validation: (errors: { path: string; message: string }[], detail = "The request is not valid.") =>
    new HttpProblem(400, "VALIDATION_FAILED", detail, { errors }),
  malformedJson: (detail: string) => new HttpProblem(400, "MALFORMED_JSON", `The body is not valid JSON: ${detail}`),
  unauthorized: (detail = "A valid bearer token is required.") => new HttpProblem(401, "UNAUTHORIZED", detail),
  forbidden: (detail = "Your role may not do this.") => new HttpProblem(403, "FORBIDDEN", detail),
  notFound: (what = "The resource") => new HttpProblem(404, "NOT_FOUND", `${what} was not found.`),
  conflict: (code: string, detail: string, extensions?: Record<string, unknown>) =>
    new HttpProblem(409, code, detail, extensions ? { extensions } : {}),
  unprocessable: (code: string, detail: string, extensions?: Record<string, unknown>) =>
    new HttpProblem(422, code, detail, extensions ? { extensions } : {}),
  unsupportedMediaType: () =>
    new HttpProblem(415, "UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json (UTF-8)."),
};

export function problemResponse(
  problem: Problem,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE, ...headers },
    body: JSON.stringify(problem),
  };
}
