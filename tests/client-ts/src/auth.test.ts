// Access control as a generated client meets it: run only when the service has
// AUTH_JWT_SECRET set (run.sh's second pass), with tokens minted by `customers-todos token`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'graphql-ws';
import {
  AUTH_TOKEN,
  assertError,
  execute,
  executeAs,
  postAs,
  requestAs,
  subscribe,
  uniqueToken,
  wsClient,
  type As,
} from './client.js';
import { newCustomer, newTodos } from './fixtures.js';
import { CreateCustomer, CreateTodo, CustomerById, CustomersCount, OnTodoChanged, VisibleRows } from './operations.js';

assert.ok(AUTH_TOKEN, 'auth.test runs only with AUTH_TOKEN set (run.sh does it)');

/** A token for `role`, signed by the binary with the same AUTH_JWT_SECRET as the service. */
function tokenFor(role: 'admin' | 'reader' | 'customer', customerId?: number, ttl = '1h'): As {
  const bin = process.env.SERVER_BIN;
  assert.ok(bin, 'SERVER_BIN is not set (with-server.sh sets it)');
  const args = ['token', '--role', role, '--ttl', ttl, '--sub', `client-ts-${role}-${uniqueToken()}`];
  if (customerId !== undefined) args.push('--customer-id', String(customerId));
  return { token: execFileSync(bin, args, { encoding: 'utf8' }).trim() };
}

describe('authentication', () => {
  for (const accept of ['application/json', 'application/graphql-response+json'] as const) {
    test(`no token: 401, WWW-Authenticate: Bearer, UNAUTHENTICATED and no data (${accept})`, async () => {
      const response = await postAs({ token: null }, accept, CustomersCount);
      assert.equal(response.status, 401);
      assert.ok(!('data' in response.body), JSON.stringify(response.body));
      assertError(response.body.errors![0]!, 'UNAUTHENTICATED');
    });

    test(`a token with a bad signature: 401, and the token is not echoed (${accept})`, async () => {
      const good = AUTH_TOKEN!;
      const forged = `${good.slice(0, good.lastIndexOf('.') + 1)}${'A'.repeat(43)}`;
      const response = await postAs({ token: forged }, accept, CustomersCount);
      assert.equal(response.status, 401);
      assertError(response.body.errors![0]!, 'UNAUTHENTICATED');
      assert.ok(!JSON.stringify(response.body).includes(forged.slice(0, 20)));
    });
  }
});

describe('roles', () => {
  let mine: { customerId: number };
  let theirs: { customerId: number };
  let myTodoIds: number[];

  before(async () => {
    mine = await newCustomer('auth-mine');
    theirs = await newCustomer('auth-theirs');
    myTodoIds = (await newTodos(mine.customerId, ['mine 1', 'mine 2'])).map((todo) => todo.todoId);
    await newTodos(theirs.customerId, ['theirs 1', 'theirs 2', 'theirs 3']);
  });

  test('a customer sees exactly its own row and todos, with exact totalCount, nested fields included', async () => {
    const me = tokenFor('customer', mine.customerId);
    const rows = await executeAs(me, VisibleRows);
    assert.deepEqual(rows.customers, { totalCount: 1, nodes: [{ customerId: mine.customerId }] });
    assert.equal(rows.todos.totalCount, 2);
    assert.deepEqual(
      rows.todos.nodes.map((todo) => todo.todoId),
      myTodoIds,
    );
    for (const todo of rows.todos.nodes) {
      assert.deepEqual(todo.customer, { customerId: mine.customerId });
    }
  });

  test("another customer's row is not there for a customer (null, no error)", async () => {
    const me = tokenFor('customer', mine.customerId);
    const body = await requestAs(me, CustomerById, { customerId: theirs.customerId });
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    assert.equal(body.data?.customer, null);
  });

  test("a customer creating a todo for another customer is FORBIDDEN and nothing is written", async () => {
    const me = tokenFor('customer', mine.customerId);
    const task = `forbidden ${uniqueToken()}`;
    const body = await requestAs(me, CreateTodo, { input: { task, customerId: theirs.customerId } });
    assert.equal(body.data, null);
    assertError(body.errors![0]!, 'FORBIDDEN');
    const theirsNow = await executeAs(tokenFor('customer', theirs.customerId), VisibleRows);
    assert.equal(theirsNow.todos.totalCount, 3);
  });

  test('a reader reads everything and writes nothing (FORBIDDEN)', async () => {
    const reader = tokenFor('reader');
    const admin = await execute(CustomersCount);
    const read = await executeAs(reader, CustomersCount);
    assert.equal(read.customers.totalCount, admin.customers.totalCount);
    const body = await requestAs(reader, CreateCustomer, {
      input: { firstName: 'Reader', lastName: 'Write', email: `reader.${uniqueToken()}@client-ts.example.com` },
    });
    assert.equal(body.data, null);
    assertError(body.errors![0]!, 'FORBIDDEN');
    const after = await execute(CustomersCount);
    assert.equal(after.customers.totalCount, admin.customers.totalCount);
  });
});

describe('subscriptions with a token', () => {
  let clients: Client[] = [];
  after(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
  });

  test('connection_init without a token is closed with 4403', async () => {
    const code = await new Promise<number>((resolve) => {
      const client = wsClient({ token: null }, (event) => resolve((event as { code: number }).code));
      clients.push(client);
    });
    assert.equal(code, 4403);
  });

  test("a customer's subscriber gets its own todos' events and never another customer's", async () => {
    const mine = await newCustomer('ws-mine');
    const theirs = await newCustomer('ws-theirs');
    const client = wsClient(tokenFor('customer', mine.customerId));
    clients.push(client);
    const events = subscribe(client, OnTodoChanged);
    try {
      // Live once one of its own probe rows arrives.
      let live = false;
      for (let attempt = 0; attempt < 20 && !live; attempt++) {
        const [probe] = await newTodos(mine.customerId, [`probe ${attempt}`]);
        try {
          await events.waitFor((event) => event.todoChanged.todoId === probe!.todoId, 500);
          live = true;
        } catch {
          // not live yet
        }
      }
      assert.ok(live, 'the subscription never delivered a probe event');

      const [other] = await newTodos(theirs.customerId, ['not for me']);
      const [own] = await newTodos(mine.customerId, ['for me']);
      await events.waitFor((event) => event.todoChanged.todoId === own!.todoId);
      // Events arrive in commit order: had the other customer's event been delivered, it
      // would be here already.
      assert.ok(!events.events.some((event) => event.todoChanged.todoId === other!.todoId));
      assert.ok(events.events.every((event) => event.todoChanged.todo?.customerId === mine.customerId));
    } finally {
      events.close();
    }
  });
});
