// What every test file shares: where the service is (set by ../scripts/with-server.sh), unique
// names, a fetch that records what a client library sent, a graphql-ws client, and bounded
// waits so that nothing can hang.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  NoUnusedFragmentsRule,
  buildSchema,
  parse,
  print,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';

function env(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set (run the tests through tests/client-libs/run.sh)`);
  }
  return value;
}

export const GRAPHQL_URL = env('GRAPHQL_URL');
export const GRAPHQL_WS_URL = env('GRAPHQL_WS_URL');

/** A short token (letters and digits only, so it also fits in a GraphQL name). */
export function token(): string {
  return randomUUID().replaceAll('-', '').slice(0, 12);
}

/** An email no other test or run has used. */
export function uniqueEmail(label: string): string {
  return `${label}.${randomUUID()}@client-libs.example.com`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

// ---------------------------------------------------------------- schema

let schema: GraphQLSchema | undefined;

/** Fails if a document written with a library's own `gql` tag does not validate against
 *  the committed ../../api/schema.graphql (Relay's documents are checked by relay-compiler).
 *  A document may be a lone fragment (for readFragment), so unused fragments are fine. */
export function assertValidDocument(document: DocumentNode): void {
  schema ??= buildSchema(readFileSync(join(__dirname, '..', '..', '..', 'api', 'schema.graphql'), 'utf8'));
  const rules = specifiedRules.filter((rule) => rule !== NoUnusedFragmentsRule);
  const errors = validate(schema, parse(print(document)), rules);
  assert.deepEqual(errors.map((error) => error.message), [], print(document));
}

// ---------------------------------------------------------------- recording fetch

export interface SentRequest {
  method: string;
  url: URL;
  /** The JSON body of a POST, or the GraphQL parameters of a GET, parsed. */
  body: {
    query?: string;
    operationName?: string;
    variables?: Record<string, unknown>;
    extensions?: { persistedQuery?: { version: number; sha256Hash: string } };
  };
  response?: { status: number; body: unknown };
}

/** A `fetch` to give a client library: passes every request on and remembers it (and its
 *  response), so a test can check what the library sent and how many requests it made. */
export class RecordingFetch {
  readonly requests: SentRequest[] = [];

  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    let body: SentRequest['body'];
    if (request.method === 'GET') {
      const json = (name: string) => {
        const value = url.searchParams.get(name);
        return value === null ? undefined : JSON.parse(value);
      };
      body = {
        query: url.searchParams.get('query') ?? undefined,
        operationName: url.searchParams.get('operationName') ?? undefined,
        variables: json('variables'),
        extensions: json('extensions'),
      };
    } else {
      body = JSON.parse(await request.clone().text());
    }
    const sent: SentRequest = { method: request.method, url, body };
    this.requests.push(sent);
    const response = await fetch(request);
    const text = await response.clone().text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    sent.response = { status: response.status, body: parsed };
    return response;
  };

  get count(): number {
    return this.requests.length;
  }

  /** The names of the operations sent, in order. */
  operationNames(): (string | undefined)[] {
    return this.requests.map((request) => request.body.operationName);
  }
}

// ---------------------------------------------------------------- WebSocket

/** A graphql-ws client (graphql-transport-ws) over `ws`, as Node has no WebSocket of its own
 *  in version 20. It never retries, so a refused connection fails the test instead of hanging. */
export function wsClient(): WsClient {
  return createClient({ url: GRAPHQL_WS_URL, webSocketImpl: WebSocket, retryAttempts: 0 });
}

// ---------------------------------------------------------------- bounded waits

export const WAIT_MS = 10_000;

/** Rejects if `promise` has not settled within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Values pushed by a subscription (or a watched query), for a test to wait on. */
export class Events<T> {
  readonly values: T[] = [];
  private failure: unknown = undefined;
  private readonly waiters = new Set<() => void>();

  push = (value: T): void => {
    this.values.push(value);
    this.wake();
  };

  fail = (error: unknown): void => {
    this.failure = error instanceof Error ? error : new Error(JSON.stringify(error));
    this.wake();
  };

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** The first value, already received or still to come, that matches. */
  async waitFor(matches: (value: T) => boolean, what: string, ms = WAIT_MS): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      const found = this.values.find(matches);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`${what}: nothing matching within ${ms} ms; got ${JSON.stringify(this.values)}`);
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
  }
}

/**
 * The server starts a subscription when its `subscribe` message arrives, and nothing
 * acknowledges that; a write sent over HTTP right after subscribing could commit first and
 * be missed. So write probe rows until the subscription reports one, then test.
 */
export async function untilLive<T>(events: Events<T>, probe: () => Promise<(value: T) => boolean>): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const matches = await probe();
    try {
      await events.waitFor(matches, 'probe', 500);
      return;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('probe:')) throw error;
    }
  }
  throw new Error('the subscription never delivered a probe event');
}
