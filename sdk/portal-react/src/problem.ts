import { PortalApiError } from "./client.js";

/** What went wrong, for an alert; `field` names the input the server refused. */
export interface Problem {
  message: string;
  field?: string;
}

export function problem(e: unknown): Problem {
  if (e instanceof PortalApiError) return { message: e.message, field: e.field };
  return { message: (e as Error).message };
}

/** The JSON in a textarea, or a message naming which one does not parse. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}
