// Subscriptions over graphql-ws (the graphql-transport-ws protocol) at GRAPHQL_WS_URL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'graphql-ws';
import { execute, subscribe, uniqueToken, wsClient, type Subscription } from './client.js';
import { newCustomer, newTodos } from './fixtures.js';
import type { OnCustomerChangedSubscription, OnTodoChangedSubscription } from './gql/graphql.js';
import { CreateTodo, DeleteCustomer, DeleteTodo, OnCustomerChanged, OnTodoChanged, UpdateCustomer, UpdateTodo } from './operations.js';

/**
 * The server starts a subscription when its `subscribe` message arrives, which nothing
 * acknowledges; a mutation sent right away over HTTP could commit first. So write a probe
 * row until the subscription reports it, and only then start the test proper.
 */
async function untilLive<T>(subscription: Subscription<T>, probe: () => Promise<(event: T) => boolean>): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const matches = await probe();
    try {
      await subscription.waitFor(matches, 500);
      return;
    } catch {
      // not live yet; probe again
    }
  }
  throw new Error('the subscription never delivered a probe event');
}

let client: Client;
before(() => {
  client = wsClient();
});
after(async () => {
  await client.dispose();
});

describe('customerChanged', () => {
  test('sees CREATED, UPDATED and DELETED with the new state', async () => {
    const changes = subscribe(client, OnCustomerChanged);
    try {
      await untilLive(changes, async () => {
        const probe = await newCustomer('probe');
        return (event) => event.customerChanged.customerId === probe.customerId;
      });

      const customer = await newCustomer('watched', { middleName: 'Before' });
      const mine = (kind: OnCustomerChangedSubscription['customerChanged']['kind']) =>
        (event: OnCustomerChangedSubscription) =>
          event.customerChanged.customerId === customer.customerId && event.customerChanged.kind === kind;

      const created = await changes.waitFor(mine('CREATED'));
      assert.deepEqual(created.customerChanged.customer, {
        customerId: customer.customerId,
        firstName: customer.firstName,
        middleName: 'Before',
        email: customer.email,
      });

      await execute(UpdateCustomer, { customerId: customer.customerId, patch: { middleName: null, firstName: 'After' } });
      const updated = await changes.waitFor(mine('UPDATED'));
      assert.equal(updated.customerChanged.customer?.firstName, 'After');
      assert.equal(updated.customerChanged.customer?.middleName, null);

      await execute(DeleteCustomer, { customerId: customer.customerId });
      const deleted = await changes.waitFor(mine('DELETED'));
      assert.equal(deleted.customerChanged.customer, null);

      const kinds = changes.events
        .filter((event) => event.customerChanged.customerId === customer.customerId)
        .map((event) => event.customerChanged.kind);
      assert.deepEqual(kinds, ['CREATED', 'UPDATED', 'DELETED']);
    } finally {
      changes.close();
    }
  });
});

describe('todoChanged', () => {
  test('with customerId: only that customer\'s todos, CREATED, UPDATED and DELETED', async () => {
    const watched = await newCustomer('todo-watched');
    const other = await newCustomer('todo-other');
    const changes = subscribe(client, OnTodoChanged, { customerId: watched.customerId });
    const everything = subscribe(client, OnTodoChanged, {});
    try {
      await untilLive(changes, async () => {
        const [probe] = await newTodos(watched.customerId, [`probe ${uniqueToken()}`]);
        return (event) => event.todoChanged.todoId === probe!.todoId;
      });
      await untilLive(everything, async () => {
        const [probe] = await newTodos(null, [`probe ${uniqueToken()}`]);
        return (event) => event.todoChanged.todoId === probe!.todoId;
      });

      // Another customer's todo first: the filtered subscription must skip it.
      const { createTodo: foreign } = await execute(CreateTodo, { input: { task: 'not mine', customerId: other.customerId } });
      const { createTodo: todo } = await execute(CreateTodo, {
        input: { task: 'mine', customerId: watched.customerId },
      });
      const mine = (kind: OnTodoChangedSubscription['todoChanged']['kind']) =>
        (event: OnTodoChangedSubscription) => event.todoChanged.todoId === todo.todoId && event.todoChanged.kind === kind;

      const created = await changes.waitFor(mine('CREATED'));
      assert.deepEqual(created.todoChanged.todo, {
        todoId: todo.todoId,
        task: 'mine',
        status: 'PENDING',
        customerId: watched.customerId,
      });
      // The unfiltered subscription sees both.
      await everything.waitFor((event) => event.todoChanged.todoId === foreign.todoId);
      await everything.waitFor(mine('CREATED'));

      await execute(UpdateTodo, { todoId: todo.todoId, patch: { status: 'IN_PROCESS' } });
      const updated = await changes.waitFor(mine('UPDATED'));
      assert.equal(updated.todoChanged.todo?.status, 'IN_PROCESS');

      await execute(DeleteTodo, { todoId: todo.todoId });
      const deleted = await changes.waitFor(mine('DELETED'));
      assert.equal(deleted.todoChanged.todo, null);
      await everything.waitFor(mine('DELETED'));

      assert.ok(
        !changes.events.some((event) => event.todoChanged.todoId === foreign.todoId),
        'another customer\'s todo reached the filtered subscription',
      );
      assert.deepEqual(
        changes.events.filter((event) => event.todoChanged.todoId === todo.todoId).map((event) => event.todoChanged.kind),
        ['CREATED', 'UPDATED', 'DELETED'],
      );
    } finally {
      changes.close();
      everything.close();
    }
  });
});
