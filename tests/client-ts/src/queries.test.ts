// Queries: nested lists, Relay paging both ways, totalCount, global ids, look-ups.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { execute, uniqueEmail, uniqueToken } from './client.js';
import { newCustomer, newTodos } from './fixtures.js';
import type { CustomerTodosPageQuery, CustomersPageQuery, CustomersWithTodosQuery, TodoStatus } from './gql/graphql.js';
import {
  CustomerByEmail,
  CustomerById,
  CustomersCount,
  CustomersPage,
  CustomersWithTodos,
  CustomerTodosPage,
  DeleteCustomer,
  DeleteTodo,
  NodeById,
  NodesByIds,
  TodoById,
  TodosPage,
} from './operations.js';

type TodosConnection = NonNullable<CustomerTodosPageQuery['customer']>['todos'];

async function todosPage(
  customerId: number,
  args: { first?: number; after?: string | null; last?: number; before?: string | null },
): Promise<TodosConnection> {
  const { customer } = await execute(CustomerTodosPage, { customerId, ...args });
  assert.ok(customer);
  return customer.todos;
}

const taskNames = (page: TodosConnection) => page.edges.map((edge) => edge.node.task);

describe('nested lists', () => {
  test('customers -> todos -> customer, from the page that holds a new customer', async () => {
    const customer = await newCustomer('nested');
    const todos = await newTodos(customer.customerId, ['one', 'two', 'three'], { status: 'IN_PROCESS' });
    // Other rows may follow ours (earlier runs, other tests): walk back from the end.
    let before: string | null = null;
    let found = false;
    for (let pages = 0; pages < 50 && !found; pages++) {
      const { customers }: CustomersWithTodosQuery = await execute(CustomersWithTodos, { last: 5, before, todosFirst: 10 });
      for (const edge of customers.edges) {
        if (edge.node.customerId !== customer.customerId) continue;
        found = true;
        assert.equal(edge.node.email, customer.email);
        assert.equal(edge.node.todos.totalCount, 3);
        assert.deepEqual(
          edge.node.todos.nodes.map((todo) => [todo.todoId, todo.task, todo.status]),
          todos.map((todo) => [todo.todoId, todo.task, 'IN_PROCESS' satisfies TodoStatus]),
        );
        for (const todo of edge.node.todos.nodes) {
          // The innermost customer is the same row, with its own nested connection.
          assert.deepEqual(todo.customer, {
            customerId: customer.customerId,
            email: customer.email,
            todos: { totalCount: 3 },
          });
        }
      }
      if (!customers.pageInfo.hasPreviousPage) break;
      before = customers.pageInfo.startCursor;
    }
    assert.ok(found, `customer ${customer.customerId} not found in customers`);
  });

  test('todos -> customer, including a todo without a customer', async () => {
    const customer = await newCustomer('todo-owner');
    const [mine] = await newTodos(customer.customerId, [`owned ${uniqueToken()}`]);
    const [orphan] = await newTodos(null, [`orphan ${uniqueToken()}`]);
    assert.ok(mine && orphan);
    const { todos } = await execute(TodosPage, { last: 50 });
    const byId = new Map(todos.nodes.map((todo) => [todo.todoId, todo]));
    assert.deepEqual(byId.get(mine.todoId)?.customer, { customerId: customer.customerId });
    assert.equal(byId.get(mine.todoId)?.customerId, customer.customerId);
    assert.equal(byId.get(orphan.todoId)?.customer, null);
    assert.equal(byId.get(orphan.todoId)?.customerId, null);
    assert.ok(todos.totalCount >= 2);
  });
});

describe('paging a customer\'s todos', () => {
  test('forward with first/after and backward with last/before', async () => {
    const customer = await newCustomer('paging');
    await newTodos(customer.customerId, ['t1', 't2', 't3', 't4', 't5']);

    const p1 = await todosPage(customer.customerId, { first: 2 });
    assert.deepEqual(taskNames(p1), ['t1', 't2']);
    assert.equal(p1.totalCount, 5);
    assert.equal(p1.pageInfo.hasNextPage, true);
    assert.equal(p1.pageInfo.hasPreviousPage, false);
    assert.equal(p1.pageInfo.startCursor, p1.edges[0]?.cursor);
    assert.equal(p1.pageInfo.endCursor, p1.edges[1]?.cursor);

    const p2 = await todosPage(customer.customerId, { first: 2, after: p1.pageInfo.endCursor });
    assert.deepEqual(taskNames(p2), ['t3', 't4']);
    assert.equal(p2.totalCount, 5, 'totalCount counts the whole list, not the page');
    assert.equal(p2.pageInfo.hasNextPage, true);

    const p3 = await todosPage(customer.customerId, { first: 2, after: p2.pageInfo.endCursor });
    assert.deepEqual(taskNames(p3), ['t5']);
    assert.equal(p3.pageInfo.hasNextPage, false);

    const empty = await todosPage(customer.customerId, { first: 2, after: p3.pageInfo.endCursor });
    assert.deepEqual(empty.edges, []);
    assert.equal(empty.pageInfo.hasNextPage, false);
    assert.equal(empty.pageInfo.startCursor, null);
    assert.equal(empty.pageInfo.endCursor, null);

    const b1 = await todosPage(customer.customerId, { last: 2 });
    assert.deepEqual(taskNames(b1), ['t4', 't5']);
    assert.equal(b1.pageInfo.hasPreviousPage, true);
    assert.equal(b1.pageInfo.hasNextPage, false);

    const b2 = await todosPage(customer.customerId, { last: 2, before: b1.pageInfo.startCursor });
    assert.deepEqual(taskNames(b2), ['t2', 't3']);
    assert.equal(b2.pageInfo.hasPreviousPage, true);

    const b3 = await todosPage(customer.customerId, { last: 2, before: b2.pageInfo.startCursor });
    assert.deepEqual(taskNames(b3), ['t1']);
    assert.equal(b3.pageInfo.hasPreviousPage, false);

    // A window between two cursors.
    const window = await todosPage(customer.customerId, {
      first: 10,
      after: p1.edges[0]!.cursor,
      before: b1.edges[1]!.cursor,
    });
    assert.deepEqual(taskNames(window), ['t2', 't3', 't4']);

    // Cursors are stable: the same item has the same cursor whichever way it was reached.
    assert.equal(b2.edges[1]!.cursor, p2.edges[0]!.cursor);
  });

  test('a customer without todos has an empty connection', async () => {
    const customer = await newCustomer('no-todos');
    const page = await todosPage(customer.customerId, { first: 3 });
    assert.equal(page.totalCount, 0);
    assert.deepEqual(page.edges, []);
    assert.deepEqual(page.pageInfo, {
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: null,
      endCursor: null,
    });
  });
});

describe('paging all customers', () => {
  type Edge = CustomersPageQuery['customers']['edges'][number];

  test('walks forward from a cursor and backward from the end through new customers', async () => {
    const created = [await newCustomer('walk-a'), await newCustomer('walk-b'), await newCustomer('walk-c')];
    const ids = created.map((customer) => customer.customerId);
    assert.ok(ids[0]! < ids[1]! && ids[1]! < ids[2]!, 'customerIds increase');

    // Find the first new customer's cursor from the end, going backward.
    const backward: Edge[] = [];
    let before: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const { customers }: CustomersPageQuery = await execute(CustomersPage, { last: 2, before });
      assert.ok(customers.edges.length <= 2);
      assert.deepEqual(customers.nodes.map((node) => node.customerId), customers.edges.map((edge) => edge.node.customerId));
      if (before === null) assert.equal(customers.pageInfo.hasNextPage, false);
      backward.unshift(...customers.edges);
      if (backward.some((edge) => edge.node.customerId === ids[0]) || !customers.pageInfo.hasPreviousPage) break;
      before = customers.pageInfo.startCursor;
    }
    const seenBackward = backward.map((edge) => edge.node.customerId);
    assertIncreasing(seenBackward);
    assertSubsequence(ids, seenBackward);

    const start = backward.find((edge) => edge.node.customerId === ids[0]);
    assert.ok(start);
    const forward: Edge[] = [];
    let after: string | null = start.cursor;
    for (let pages = 0; pages < 100; pages++) {
      const { customers }: CustomersPageQuery = await execute(CustomersPage, { first: 2, after });
      forward.push(...customers.edges);
      if (!customers.pageInfo.hasNextPage) break;
      after = customers.pageInfo.endCursor;
    }
    const seenForward = forward.map((edge) => edge.node.customerId);
    assertIncreasing(seenForward);
    assert.ok(!seenForward.includes(ids[0]!), 'after excludes the cursor\'s own item');
    assertSubsequence(ids.slice(1), seenForward);
  });

  // Exact counts: assumes no one else writes to the database during the run (the test
  // files run one at a time).
  test('totalCount counts the whole list, before and after writes', async () => {
    const { customers: before } = await execute(CustomersCount);
    const a = await newCustomer('count-a');
    await newCustomer('count-b');
    const { customers: grown } = await execute(CustomersCount);
    assert.equal(grown.totalCount, before.totalCount + 2);
    await execute(DeleteCustomer, { customerId: a.customerId });
    const { customers: shrunk } = await execute(CustomersCount);
    assert.equal(shrunk.totalCount, before.totalCount + 1);
  });
});

describe('global ids', () => {
  test('node and nodes resolve customers and todos, null once deleted', async () => {
    const customer = await newCustomer('node');
    const [todo, gone] = await newTodos(customer.customerId, ['node todo', 'node gone'], { status: 'COMPLETED' });
    assert.ok(todo && gone);
    assert.notEqual(customer.id, String(customer.customerId), 'ids are opaque, not the number');
    assert.notEqual(customer.id, todo.id);

    const { node: c } = await execute(NodeById, { id: customer.id });
    assert.ok(c && c.__typename === 'Customer');
    assert.equal(c.customerId, customer.customerId);
    assert.equal(c.email, customer.email);

    const { node: t } = await execute(NodeById, { id: todo.id });
    assert.ok(t && t.__typename === 'Todo');
    assert.deepEqual([t.id, t.todoId, t.task, t.status], [todo.id, todo.todoId, 'node todo', 'COMPLETED']);

    await execute(DeleteTodo, { todoId: gone.todoId });
    const { nodes } = await execute(NodesByIds, { ids: [todo.id, gone.id, customer.id, todo.id] });
    assert.equal(nodes.length, 4);
    const [first, second, third, fourth] = nodes;
    assert.ok(first?.__typename === 'Todo');
    assert.deepEqual(first, { __typename: 'Todo', id: todo.id, todoId: todo.todoId, ownerId: customer.customerId });
    assert.equal(second, null, 'a deleted todo is null');
    assert.ok(third?.__typename === 'Customer');
    assert.equal(third.lastName, customer.lastName);
    assert.deepEqual(fourth, first);

    const { node: none } = await execute(NodeById, { id: gone.id });
    assert.equal(none, null);
  });
});

describe('look-ups', () => {
  test('customer, customerByEmail and todo; null for missing rows', async () => {
    const email = uniqueEmail('lookup', 'Example.ORG');
    const customer = await newCustomer('lookup', { email, middleName: 'M', suffix: 'Jr.', phone: '555-0101' });
    assert.equal(customer.email, email.replace('Example.ORG', 'example.org'), 'domain lower-cased');

    const { customer: byId } = await execute(CustomerById, { customerId: customer.customerId });
    assert.deepEqual(byId, customer);
    // The domain is compared as stored, so either spelling finds the customer.
    for (const spelling of [email, customer.email]) {
      const { customerByEmail } = await execute(CustomerByEmail, { email: spelling });
      assert.deepEqual(customerByEmail, customer);
    }
    const { customerByEmail: nobody } = await execute(CustomerByEmail, { email: uniqueEmail('nobody') });
    assert.equal(nobody, null);

    const [todo] = await newTodos(customer.customerId, ['look me up']);
    assert.ok(todo);
    const { todo: found } = await execute(TodoById, { todoId: todo.todoId });
    assert.deepEqual(found, { ...todo, customer: { customerId: customer.customerId, email: customer.email } });
    assert.ok(!Number.isNaN(Date.parse(todo.createdAt)), 'createdAt is RFC 3339');

    await execute(DeleteTodo, { todoId: todo.todoId });
    await execute(DeleteCustomer, { customerId: customer.customerId });
    assert.equal((await execute(TodoById, { todoId: todo.todoId })).todo, null);
    assert.equal((await execute(CustomerById, { customerId: customer.customerId })).customer, null);
  });
});

function assertIncreasing(values: number[]): void {
  for (let i = 1; i < values.length; i++) {
    assert.ok(values[i - 1]! < values[i]!, `not increasing at ${i}: ${values.join(',')}`);
  }
}

/** `wanted` appears in `seen` in the same order (other rows may be interleaved). */
function assertSubsequence(wanted: number[], seen: number[]): void {
  let at = 0;
  for (const value of seen) if (value === wanted[at]) at++;
  assert.equal(at, wanted.length, `${wanted.join(',')} not in order in ${seen.join(',')}`);
}
