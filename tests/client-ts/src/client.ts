// A minimal typed GraphQL client: plain fetch for queries and mutations, graphql-ws
// (graphql-transport-ws) over `ws` for subscriptions. Every function takes a generated
// TypedDocumentNode, so variables and results are checked by the compiler.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

function env(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set (run the tests through tests/client-ts/run.sh)`);
  }
  return value;
}

export const GRAPHQL_URL = env('GRAPHQL_URL');
export const GRAPHQL_WS_URL = env('GRAPHQL_WS_URL');

/** The bearer token every request sends when the service runs with access control on
 *  (`run.sh` mints an admin token with `customers-todos token`); unset when it is off. */
export const AUTH_TOKEN: string | undefined = process.env.AUTH_TOKEN || undefined;

/** Who a request is sent as: the run's default token, another token, or no token at all. */
export type As = { token: string | null };
const DEFAULT_AS: As = { token: AUTH_TOKEN ?? null };

function authorization(as: As): Record<string, string> {
  return as.token === null ? {} : { authorization: `Bearer ${as.token}` };
}

/** An error as the service sends it, with the extensions clients rely on. */
export interface GraphQLError {
  message: string;
  path?: (string | number)[];
  locations?: { line: number; column: number }[];
  extensions?: {
    code?: string;
    field?: string;
    index?: number;
    [key: string]: unknown;
  };
}

export interface GraphQLResponse<TResult> {
  data?: TResult | null;
  errors?: GraphQLError[];
}

/** Variables may be left out exactly when the operation has no required ones. */
type VariablesArg<TVariables> = {} extends TVariables ? [variables?: TVariables] : [variables: TVariables];

const printed = new WeakMap<object, string>();
function source(document: DocumentNode): string {
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
}

/** `application/json` gets 200 for every well-formed request (errors in the body), as
 *  most frontend clients expect; `application/graphql-response+json` is the newer media
 *  type of the GraphQL-over-HTTP spec, with 4xx for request errors. */
export type Accept = 'application/json' | 'application/graphql-response+json';

export interface RawResponse<TResult> {
  status: number;
  contentType: string;
  body: GraphQLResponse<TResult>;
}

/** POSTs one operation (GraphQL over HTTP) and returns the status and the parsed body. */
export async function post<TResult, TVariables>(
  accept: Accept,
  document: TypedDocumentNode<TResult, TVariables>,
  ...variables: VariablesArg<TVariables>
): Promise<RawResponse<TResult>> {
  return postAs(DEFAULT_AS, accept, document, ...variables);
}

/** `post`, sent as someone else (another token, or none). */
export async function postAs<TResult, TVariables>(
  as: As,
  accept: Accept,
  document: TypedDocumentNode<TResult, TVariables>,
  ...[variables]: VariablesArg<TVariables>
): Promise<RawResponse<TResult>> {
  const response = await fetch(GRAPHQL_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, ...authorization(as) },
    body: JSON.stringify({ query: source(document), variables: variables ?? {} }),
  });
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  assert.ok(contentType.startsWith(accept), `content type ${contentType}, body: ${text}`);
  return { status: response.status, contentType, body: JSON.parse(text) as GraphQLResponse<TResult> };
}

/** POSTs one operation with `Accept: application/json` and returns the whole body. */
export async function request<TResult, TVariables>(
  document: TypedDocumentNode<TResult, TVariables>,
  ...variables: VariablesArg<TVariables>
): Promise<GraphQLResponse<TResult>> {
  return requestAs(DEFAULT_AS, document, ...variables);
}

/** `request`, sent as someone else. */
export async function requestAs<TResult, TVariables>(
  as: As,
  document: TypedDocumentNode<TResult, TVariables>,
  ...variables: VariablesArg<TVariables>
): Promise<GraphQLResponse<TResult>> {
  const { status, body } = await postAs(as, 'application/json', document, ...variables);
  assert.equal(status, 200, `HTTP ${status}: ${JSON.stringify(body)}`);
  return body;
}

/** Runs an operation that must succeed and returns its data. */
export async function execute<TResult, TVariables>(
  document: TypedDocumentNode<TResult, TVariables>,
  ...variables: VariablesArg<TVariables>
): Promise<TResult> {
  return executeAs(DEFAULT_AS, document, ...variables);
}

/** `execute`, sent as someone else. */
export async function executeAs<TResult, TVariables>(
  as: As,
  document: TypedDocumentNode<TResult, TVariables>,
  ...variables: VariablesArg<TVariables>
): Promise<TResult> {
  const body = await requestAs(as, document, ...variables);
  assert.equal(body.errors, undefined, `unexpected errors: ${JSON.stringify(body.errors)}`);
  assert.ok(body.data, 'no data in the response');
  return body.data;
}

/** Runs an operation that must fail with exactly one error, with `data: null`, and returns it. */
export async function executeError<TResult, TVariables>(
  document: TypedDocumentNode<TResult, TVariables>,
  ...variables: VariablesArg<TVariables>
): Promise<GraphQLError> {
  const body = await request(document, ...variables);
  assert.ok(body.errors, `expected an error, got ${JSON.stringify(body.data)}`);
  assert.equal(body.errors.length, 1, JSON.stringify(body.errors));
  assert.equal(body.data, null, 'a failed non-null root field leaves `data: null`');
  return body.errors[0]!;
}

/** Asserts the code (and field) of an error. */
export function assertError(error: GraphQLError, code: string, field?: string): void {
  assert.equal(error.extensions?.code, code, JSON.stringify(error));
  if (field !== undefined) {
    assert.equal(error.extensions?.field, field, JSON.stringify(error));
  }
}

/** An email no other run has used; `Domain` keeps its case so the server can lower it. */
export function uniqueEmail(label: string, domain = 'client-ts.example.com'): string {
  return `${label}.${randomUUID()}@${domain}`;
}

/** A short unique token for names and tasks. */
export function uniqueToken(): string {
  return randomUUID().slice(0, 8);
}

/** A graphql-transport-ws client; the token goes in the `connection_init` payload, as
 *  graphql-ws's `connectionParams` sends it. */
export function wsClient(as: As = DEFAULT_AS, onClosed?: (event: unknown) => void): Client {
  return createClient({
    url: GRAPHQL_WS_URL,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => {},
    connectionParams: as.token === null ? undefined : { Authorization: `Bearer ${as.token}` },
    on: onClosed ? { closed: onClosed } : undefined,
  });
}

/** Events of one subscription, collected as they arrive. */
export class Subscription<TResult> {
  readonly events: TResult[] = [];
  private error: unknown = undefined;
  private readonly waiters = new Set<() => void>();
  private readonly unsubscribe: () => void;

  constructor(client: Client, document: TypedDocumentNode<TResult, unknown>, variables: unknown) {
    this.unsubscribe = client.subscribe<TResult>(
      { query: source(document), variables: (variables ?? {}) as Record<string, unknown> },
      {
        next: (result) => {
          if (result.errors) {
            this.error = new Error(`subscription error: ${JSON.stringify(result.errors)}`);
          } else if (result.data) {
            this.events.push(result.data);
          }
          this.wake();
        },
        error: (error) => {
          this.error = error instanceof Error ? error : new Error(JSON.stringify(error));
          this.wake();
        },
        complete: () => this.wake(),
      },
    );
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
  }

  /** Resolves with the first event (already received or still to come) that matches. */
  async waitFor(matches: (event: TResult) => boolean, timeoutMs = 10_000): Promise<TResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.error !== undefined) throw this.error;
      const found = this.events.find(matches);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(this.events)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        const waiters = this.waiters;
        function done(): void {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
    }
  }

  close(): void {
    this.unsubscribe();
  }
}

export function subscribe<TResult, TVariables>(
  client: Client,
  document: TypedDocumentNode<TResult, TVariables>,
  ...[variables]: VariablesArg<TVariables>
): Subscription<TResult> {
  return new Subscription<TResult>(client, document as TypedDocumentNode<TResult, unknown>, variables);
}
