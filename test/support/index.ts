export { startTestApi, type TestApi, type TestApiOptions } from "./api.ts";
export { type FreshTable, freshTable, testEndpoint } from "./engine.ts";
export { type HttpAnswer, http, jsonRequest } from "./http.ts";
