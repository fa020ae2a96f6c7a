// urql: @urql/core with the normalised cache of @urql/exchange-graphcache (keys by `id`,
// relayPagination() on Query.customers and Customer.todos), fetchExchange (with a recording
// fetch; urql sends queries as GET by default) and subscriptionExchange over graphql-ws.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Client, CombinedError, fetchExchange, gql, subscriptionExchange, type OperationResult } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import type { DocumentNode } from 'graphql';
import { Events, GRAPHQL_URL, RecordingFetch, assertValidDocument, token, untilLive, withTimeout, wsClient } from './env';
import { seedCustomer, seedCustomers, seedTodos, updateTodo } from './seed';

// ---------------------------------------------------------------- documents

const CUSTOMERS = gql`
  query UrqlCustomers($filter: CustomerFilter, $first: Int, $after: String, $last: Int, $before: String) {
    customers(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
      edges {
        cursor
        node {
          id
          customerId
          firstName
          email
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
`;

const CUSTOMER_TODOS = gql`
  query UrqlCustomerTodos($customerId: Int!) {
    customer(customerId: $customerId) {
      id
      todos(first: 10) {
        edges {
          node {
            id
            todoId
            task
            status
          }
        }
      }
    }
  }
`;

const RENAME = gql`
  mutation UrqlRename($id: Int!, $firstName: String!) {
    updateCustomer(customerId: $id, patch: { firstName: $firstName }) {
      id
      firstName
    }
  }
`;

const CREATE_CUSTOMER = gql`
  mutation UrqlCreateCustomer($input: CreateCustomerInput!) {
    createCustomer(input: $input) {
      id
      customerId
    }
  }
`;

const CREATE_TODO = gql`
  mutation UrqlCreateTodo($input: CreateTodoInput!) {
    createTodo(input: $input) {
      id
      todoId
    }
  }
`;

const TODO_CHANGED = gql`
  subscription UrqlTodoChanged($customerId: Int) {
    todoChanged(customerId: $customerId) {
      kind
      todoId
      todo {
        id
        task
        status
      }
    }
  }
`;

// ---------------------------------------------------------------- clients

const cleanups: (() => void | Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A fresh client and cache per test. */
function urql(): { client: Client; http: RecordingFetch } {
  const http = new RecordingFetch();
  const ws = wsClient();
  cleanups.push(() => ws.dispose());
  const noKey = () => null;
  const client = new Client({
    url: GRAPHQL_URL,
    fetch: http.fetch,
    exchanges: [
      cacheExchange({
        keys: {
          Customer: (customer) => customer.id as string,
          Todo: (todo) => todo.id as string,
          // Connections, edges, page info and change events are not entities: kept inside
          // their parent.
          CustomerConnection: noKey,
          CustomerEdge: noKey,
          TodoConnection: noKey,
          TodoEdge: noKey,
          PageInfo: noKey,
          CustomerChange: noKey,
          TodoChange: noKey,
        },
        resolvers: {
          Query: { customers: relayPagination() },
          Customer: { todos: relayPagination() },
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const operation = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              return { unsubscribe: ws.subscribe(operation, sink) };
            },
          };
        },
      }),
    ],
  });
  return { client, http };
}

type CustomersData = {
  customers: {
    edges: { cursor: string; node: { id: string; customerId: number; firstName: string; email: string } }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  };
};

function dataOf<T>(result: OperationResult<T> | null, what: string): T {
  assert.ok(result, `${what}: no result`);
  assert.equal(result.error, undefined, `${what}: ${result.error?.message}`);
  assert.ok(result.data, `${what}: no data`);
  return result.data;
}

// ---------------------------------------------------------------- tests

test('every document validates against api/schema.graphql', () => {
  for (const document of [CUSTOMERS, CUSTOMER_TODOS, RENAME, CREATE_CUSTOMER, CREATE_TODO, TODO_CHANGED]) {
    assertValidDocument(document as DocumentNode);
  }
});

describe('relayPagination', () => {
  test('forward with first/after: the pages merge into one list, in order', async () => {
    const { lastName, customers } = await seedCustomers('urql-fwd', 5);
    const { client, http } = urql();
    const filter = { lastName: { eq: lastName } };
    let variables: Record<string, unknown> = { filter, first: 2 };
    let data = dataOf(await withTimeout(client.query<CustomersData>(CUSTOMERS, variables).toPromise(), 'first page'), 'first page');
    assert.equal(data.customers.edges.length, 2);
    while (data.customers.pageInfo.hasNextPage) {
      variables = { filter, first: 2, after: data.customers.pageInfo.endCursor };
      data = dataOf(await withTimeout(client.query<CustomersData>(CUSTOMERS, variables).toPromise(), 'next page'), 'next page');
    }
    // The last page's result is the merged list, and so is a cache read.
    const expected = customers.map((customer) => customer.email);
    assert.deepEqual(data.customers.edges.map((edge) => edge.node.email), expected);
    const cached = dataOf(client.readQuery<CustomersData>(CUSTOMERS, variables), 'readQuery');
    assert.deepEqual(cached.customers.edges.map((edge) => edge.node.email), expected);
    assert.equal(cached.customers.pageInfo.hasNextPage, false);
    assert.equal(http.count, 3, 'one request per page');
    assert.deepEqual(http.requests.map((request) => request.method), ['GET', 'GET', 'GET'], 'urql sends queries with GET');
  });

  test('backward with last/before: earlier pages go in front', async () => {
    const { lastName, customers } = await seedCustomers('urql-back', 5);
    const { client } = urql();
    const filter = { lastName: { eq: lastName } };
    let data = dataOf(await withTimeout(client.query<CustomersData>(CUSTOMERS, { filter, last: 2 }).toPromise(), 'last page'), 'last page');
    assert.deepEqual(data.customers.edges.map((edge) => edge.node.email), customers.slice(3).map((customer) => customer.email));
    while (data.customers.pageInfo.hasPreviousPage) {
      const variables = { filter, last: 2, before: data.customers.pageInfo.startCursor };
      data = dataOf(await withTimeout(client.query<CustomersData>(CUSTOMERS, variables).toPromise(), 'previous page'), 'previous page');
    }
    assert.deepEqual(data.customers.edges.map((edge) => edge.node.email), customers.map((customer) => customer.email));
  });
});

describe('normalised cache', () => {
  test('a mutation returning id and fields updates the watching query, with no refetch', async () => {
    const { lastName, customers } = await seedCustomers('urql-cache', 2);
    const target = customers[0]!;
    const { client, http } = urql();
    const variables = { filter: { lastName: { eq: lastName } }, first: 10 };
    const results = new Events<CustomersData>();
    const watching = client.query<CustomersData>(CUSTOMERS, variables).subscribe((result) => {
      if (result.error) results.fail(result.error);
      else if (result.data) results.push(result.data);
    });
    try {
      await results.waitFor((data) => data.customers.edges.length === 2, 'the list');
      const renamed = `Renamed-${token()}`;
      const mutation = await withTimeout(client.mutation(RENAME, { id: target.customerId, firstName: renamed }).toPromise(), 'mutation');
      dataOf(mutation, 'mutation');

      const seen = await results.waitFor(
        (data) => data.customers.edges[0]?.node.firstName === renamed,
        'the watching query sees the new name',
      );
      assert.deepEqual(seen.customers.edges.map((edge) => edge.node.firstName), [renamed, customers[1]!.firstName]);
      const cached = dataOf(client.readQuery<CustomersData>(CUSTOMERS, variables), 'readQuery');
      assert.equal(cached.customers.edges[0]!.node.firstName, renamed);
      // Give a refetch (there must be none) the time to go out.
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(http.operationNames(), ['UrqlCustomers', 'UrqlRename']);
    } finally {
      watching.unsubscribe();
    }
  });

  test('a taken email is a CombinedError with CONFLICT on field "email"', async () => {
    const existing = await seedCustomer('urql-taken');
    const { client } = urql();
    const result = await withTimeout(
      client.mutation(CREATE_CUSTOMER, { input: { firstName: 'Dup', lastName: 'Dup', email: existing.email } }).toPromise(),
      'mutation',
    );
    assert.ok(result.error instanceof CombinedError, 'the result has an error');
    assert.equal(result.error.networkError, undefined);
    assert.equal(result.error.graphQLErrors.length, 1);
    assert.equal(result.error.graphQLErrors[0]!.extensions.code, 'CONFLICT');
    assert.equal(result.error.graphQLErrors[0]!.extensions.field, 'email');
  });
});

describe('subscriptionExchange over graphql-ws', () => {
  test('todoChanged receives a todo created over HTTP, and the event updates the cache', async () => {
    const customer = await seedCustomer('urql-sub');
    const { client } = urql();
    type Change = { todoChanged: { kind: string; todoId: number; todo: { id: string; task: string; status: string } | null } };
    const events = new Events<Change>();
    const subscription = client.subscription<Change>(TODO_CHANGED, { customerId: customer.customerId }).subscribe((result) => {
      if (result.error) events.fail(result.error);
      else if (result.data) events.push(result.data);
    });
    try {
      await untilLive(events, async () => {
        const [probe] = await seedTodos(customer.customerId, ['probe']);
        return (event) => event.todoChanged.todoId === probe!.todoId;
      });

      const created = dataOf(
        await withTimeout(
          client
            .mutation<{ createTodo: { id: string; todoId: number } }>(CREATE_TODO, {
              input: { task: `via urql ${token()}`, customerId: customer.customerId },
            })
            .toPromise(),
          'createTodo',
        ),
        'createTodo',
      );
      const todoId = created.createTodo.todoId;
      const event = await events.waitFor(
        (change) => change.todoChanged.todoId === todoId && change.todoChanged.kind === 'CREATED',
        'CREATED event',
      );
      assert.equal(event.todoChanged.todo?.status, 'PENDING');

      // A change made elsewhere reaches the normalised Todo through the subscription.
      const todos = dataOf(
        await withTimeout(client.query(CUSTOMER_TODOS, { customerId: customer.customerId }).toPromise(), 'todos'),
        'todos',
      ) as { customer: { todos: { edges: { node: { todoId: number; status: string } }[] } } };
      assert.equal(todos.customer.todos.edges.find((edge) => edge.node.todoId === todoId)?.node.status, 'PENDING');
      await updateTodo(todoId, { status: 'COMPLETED' });
      await events.waitFor(
        (change) => change.todoChanged.todoId === todoId && change.todoChanged.kind === 'UPDATED',
        'UPDATED event',
      );
      const cached = dataOf(client.readQuery(CUSTOMER_TODOS, { customerId: customer.customerId }), 'readQuery') as typeof todos;
      assert.equal(cached.customer.todos.edges.find((edge) => edge.node.todoId === todoId)?.node.status, 'COMPLETED');
    } finally {
      subscription.unsubscribe();
    }
  });
});
