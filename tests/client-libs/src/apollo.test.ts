// Apollo Client 3, as a React app would configure it (minus React): InMemoryCache with
// relayStylePagination() on Query.customers and Customer.todos, an HttpLink (with a recording
// fetch), createPersistedQueryLink, and GraphQLWsLink for subscriptions.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  ApolloClient,
  ApolloError,
  ApolloLink,
  HttpLink,
  InMemoryCache,
  gql,
  split,
  type DocumentNode,
  type NormalizedCacheObject,
} from '@apollo/client/core';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition, relayStylePagination } from '@apollo/client/utilities';
import type { Client as WsClient } from 'graphql-ws';
import {
  Events,
  GRAPHQL_URL,
  RecordingFetch,
  type SentRequest,
  assertValidDocument,
  sha256,
  token,
  uniqueEmail,
  untilLive,
  withTimeout,
  wsClient,
} from './env';
import { MISSING_ID, readCustomer, seedCustomer, seedCustomers, seedTodos, updateCustomer } from './seed';

// ---------------------------------------------------------------- documents

const CUSTOMERS = gql`
  query ApolloCustomers($filter: CustomerFilter, $first: Int, $after: String, $last: Int, $before: String) {
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
  query ApolloCustomerTodos($customerId: Int!, $first: Int, $after: String) {
    customer(customerId: $customerId) {
      id
      todos(first: $first, after: $after) {
        edges {
          cursor
          node {
            id
            todoId
            task
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`;

const CUSTOMER_NAME = gql`
  fragment ApolloCustomerName on Customer {
    id
    firstName
  }
`;

const RENAME = gql`
  mutation ApolloRename($id: Int!, $firstName: String!) {
    updateCustomer(customerId: $id, patch: { firstName: $firstName }) {
      id
      firstName
    }
  }
`;

const CREATE_CUSTOMER = gql`
  mutation ApolloCreateCustomer($input: CreateCustomerInput!) {
    createCustomer(input: $input) {
      id
      customerId
      email
    }
  }
`;

const DELETE_CUSTOMER = gql`
  mutation ApolloDeleteCustomer($id: Int!) {
    deleteCustomer(customerId: $id) {
      id
    }
  }
`;

/** The edit form: every field is a variable, and the form leaves out the ones not touched. */
const EDIT = gql`
  mutation Edit($id: Int!, $firstName: String, $middleName: String, $phone: String) {
    updateCustomer(customerId: $id, patch: { firstName: $firstName, middleName: $middleName, phone: $phone }) {
      id
      firstName
      middleName
      phone
    }
  }
`;

const NEW_TODO = gql`
  mutation NewTodo($task: String!, $status: TodoStatus, $customerId: Int) {
    createTodo(input: { task: $task, status: $status, customerId: $customerId }) {
      id
      todoId
      task
      status
    }
  }
`;

const CUSTOMER_CHANGED = gql`
  subscription ApolloCustomerChanged {
    customerChanged {
      kind
      customerId
      customer {
        id
        firstName
        email
      }
    }
  }
`;

const TODO_CHANGED = gql`
  subscription ApolloTodoChanged($customerId: Int) {
    todoChanged(customerId: $customerId) {
      kind
      todoId
      todo {
        id
        task
        status
        customerId
      }
    }
  }
`;

// ---------------------------------------------------------------- clients

const cleanups: (() => void | Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface Setup {
  client: ApolloClient<NormalizedCacheObject>;
  http: RecordingFetch;
  ws?: WsClient;
}

function newCache(): InMemoryCache {
  return new InMemoryCache({
    typePolicies: {
      Query: { fields: { customers: relayStylePagination(['filter', 'orderBy']) } },
      Customer: { fields: { todos: relayStylePagination(['filter', 'orderBy']) } },
    },
  });
}

/** A fresh client (own cache) per test; `persisted` puts createPersistedQueryLink in front. */
function apollo(options: { persisted?: { useGETForHashedQueries: boolean }; subscriptions?: boolean } = {}): Setup {
  const http = new RecordingFetch();
  let link: ApolloLink = new HttpLink({ uri: GRAPHQL_URL, fetch: http.fetch });
  if (options.persisted) {
    link = createPersistedQueryLink({ sha256, ...options.persisted }).concat(link);
  }
  let ws: WsClient | undefined;
  if (options.subscriptions) {
    ws = wsClient();
    const wsLink = new GraphQLWsLink(ws);
    link = split(
      ({ query }) => {
        const definition = getMainDefinition(query);
        return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
      },
      wsLink,
      link,
    );
  }
  const client = new ApolloClient({ link, cache: newCache() });
  cleanups.push(async () => {
    client.stop();
    await ws?.dispose();
  });
  return { client, http, ws };
}

type CustomersData = {
  customers: {
    edges: { cursor: string; node: { id: string; customerId: number; firstName: string; email: string } }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  };
};

/** The GraphQL error of a failed operation, from Apollo's ApolloError. */
async function graphQLErrorOf(promise: Promise<unknown>) {
  const error = await promise.then(
    (result) => assert.fail(`expected an error, got ${JSON.stringify(result)}`),
    (error: unknown) => error,
  );
  assert.ok(error instanceof ApolloError, `not an ApolloError: ${String(error)}`);
  assert.equal(error.graphQLErrors.length, 1, JSON.stringify(error.graphQLErrors));
  return error.graphQLErrors[0]!;
}

// ---------------------------------------------------------------- tests

test('every document validates against api/schema.graphql', () => {
  for (const document of [CUSTOMERS, CUSTOMER_TODOS, CUSTOMER_NAME, RENAME, CREATE_CUSTOMER, DELETE_CUSTOMER, EDIT, NEW_TODO, CUSTOMER_CHANGED, TODO_CHANGED]) {
    assertValidDocument(document);
  }
});

describe('relayStylePagination and fetchMore', () => {
  test('forward with first/after: the cached list is every page, in order', async () => {
    const { lastName, customers } = await seedCustomers('fwd', 5);
    const { client, http } = apollo();
    const filter = { lastName: { eq: lastName } };
    const query = client.watchQuery<CustomersData>({ query: CUSTOMERS, variables: { filter, first: 2 } });
    const pages = new Events<CustomersData>();
    const watching = query.subscribe({ next: (result) => result.data && pages.push(result.data), error: pages.fail });
    try {
      await pages.waitFor((data) => data.customers.edges.length === 2, 'first page');
      let pageInfo = client.readQuery<CustomersData>({ query: CUSTOMERS, variables: { filter, first: 2 } })!.customers.pageInfo;
      assert.equal(pageInfo.hasNextPage, true);
      while (pageInfo.hasNextPage) {
        const page = await withTimeout(query.fetchMore<CustomersData>({ variables: { after: pageInfo.endCursor } }), 'fetchMore');
        pageInfo = page.data.customers.pageInfo;
      }

      const cached = client.readQuery<CustomersData>({ query: CUSTOMERS, variables: { filter, first: 2 } })!;
      assert.deepEqual(
        cached.customers.edges.map((edge) => edge.node.email),
        customers.map((customer) => customer.email),
      );
      assert.equal(cached.customers.pageInfo.hasNextPage, false);
      const watched = await pages.waitFor((data) => data.customers.edges.length === 5, 'the merged list');
      assert.deepEqual(
        watched.customers.edges.map((edge) => edge.node.customerId),
        customers.map((customer) => customer.customerId),
      );
      assert.equal(http.count, 3, 'one request per page');
    } finally {
      watching.unsubscribe();
    }
  });

  test('backward with last/before: each page is put in front, in order', async () => {
    const { lastName, customers } = await seedCustomers('back', 5);
    const { client, http } = apollo();
    const filter = { lastName: { eq: lastName } };
    const query = client.watchQuery<CustomersData>({ query: CUSTOMERS, variables: { filter, last: 2 } });
    const pages = new Events<CustomersData>();
    const watching = query.subscribe({ next: (result) => result.data && pages.push(result.data), error: pages.fail });
    try {
      const last = await pages.waitFor((data) => data.customers.edges.length === 2, 'last page');
      assert.deepEqual(
        last.customers.edges.map((edge) => edge.node.email),
        customers.slice(3).map((customer) => customer.email),
      );
      let pageInfo = last.customers.pageInfo;
      assert.equal(pageInfo.hasPreviousPage, true);
      while (pageInfo.hasPreviousPage) {
        const page = await withTimeout(query.fetchMore<CustomersData>({ variables: { before: pageInfo.startCursor } }), 'fetchMore');
        pageInfo = page.data.customers.pageInfo;
      }

      const cached = client.readQuery<CustomersData>({ query: CUSTOMERS, variables: { filter, last: 2 } })!;
      assert.deepEqual(
        cached.customers.edges.map((edge) => edge.node.email),
        customers.map((customer) => customer.email),
      );
      assert.equal(cached.customers.pageInfo.hasPreviousPage, false);
      assert.equal(http.count, 3, 'one request per page');
    } finally {
      watching.unsubscribe();
    }
  });

  test('Customer.todos: fetchMore on the nested connection appends to it', async () => {
    const customer = await seedCustomer('nested');
    const todos = await seedTodos(customer.customerId, ['one', 'two', 'three']);
    const { client } = apollo();
    type Data = {
      customer: {
        id: string;
        todos: { edges: { node: { todoId: number; task: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
      } | null;
    };
    const query = client.watchQuery<Data>({ query: CUSTOMER_TODOS, variables: { customerId: customer.customerId, first: 2 } });
    const results = new Events<Data>();
    const watching = query.subscribe({ next: (result) => result.data && results.push(result.data), error: results.fail });
    try {
      const first = await results.waitFor((data) => data.customer !== null, 'first page');
      assert.equal(first.customer!.todos.edges.length, 2);
      assert.equal(first.customer!.todos.pageInfo.hasNextPage, true);
      await withTimeout(query.fetchMore({ variables: { after: first.customer!.todos.pageInfo.endCursor } }), 'fetchMore');
      const merged = await results.waitFor((data) => data.customer?.todos.edges.length === 3, 'merged todos');
      assert.deepEqual(
        merged.customer!.todos.edges.map((edge) => edge.node.task),
        todos.map((todo) => todo.task),
      );
      assert.equal(merged.customer!.todos.pageInfo.hasNextPage, false);
    } finally {
      watching.unsubscribe();
    }
  });
});

describe('mutations update the cache', () => {
  test('updateCustomer returning id and fields changes the cached list and the watching query, with no refetch', async () => {
    const { lastName, customers } = await seedCustomers('cache', 2);
    const target = customers[1]!;
    const { client, http } = apollo();
    const variables = { filter: { lastName: { eq: lastName } }, first: 10 };
    const query = client.watchQuery<CustomersData>({ query: CUSTOMERS, variables });
    const results = new Events<CustomersData>();
    const watching = query.subscribe({ next: (result) => result.data && results.push(result.data), error: results.fail });
    try {
      await results.waitFor((data) => data.customers.edges.length === 2, 'the list');
      assert.equal(http.count, 1);

      const renamed = `Renamed-${token()}`;
      await withTimeout(client.mutate({ mutation: RENAME, variables: { id: target.customerId, firstName: renamed } }), 'mutate');

      const seen = await results.waitFor(
        (data) => data.customers.edges.some((edge) => edge.node.firstName === renamed),
        'the watching query sees the new name',
      );
      assert.deepEqual(
        seen.customers.edges.map((edge) => edge.node.firstName),
        [customers[0]!.firstName, renamed],
      );
      const cached = client.readQuery<CustomersData>({ query: CUSTOMERS, variables })!;
      assert.equal(cached.customers.edges[1]!.node.firstName, renamed);
      const fragment = client.readFragment<{ firstName: string }>({
        id: client.cache.identify({ __typename: 'Customer', id: target.id }),
        fragment: CUSTOMER_NAME,
      });
      assert.equal(fragment?.firstName, renamed);
      // Give a refetch (there must be none) the time to go out.
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(http.operationNames(), ['ApolloCustomers', 'ApolloRename']);
    } finally {
      watching.unsubscribe();
    }
  });
});

describe('error codes in graphQLErrors[].extensions', () => {
  test('deleteCustomer of a missing id is NOT_FOUND', async () => {
    const { client } = apollo();
    const error = await graphQLErrorOf(client.mutate({ mutation: DELETE_CUSTOMER, variables: { id: MISSING_ID } }));
    assert.equal(error.extensions?.code, 'NOT_FOUND', JSON.stringify(error));
    assert.deepEqual(error.path, ['deleteCustomer']);
  });

  test('a taken email is CONFLICT on field "email"', async () => {
    const existing = await seedCustomer('taken');
    const { client } = apollo();
    const error = await graphQLErrorOf(
      client.mutate({ mutation: CREATE_CUSTOMER, variables: { input: { firstName: 'Dup', lastName: 'Dup', email: existing.email } } }),
    );
    assert.equal(error.extensions?.code, 'CONFLICT', JSON.stringify(error));
    assert.equal(error.extensions?.field, 'email', JSON.stringify(error));
  });

  test('a blank first name is BAD_USER_INPUT on field "firstName"', async () => {
    const { client } = apollo();
    const error = await graphQLErrorOf(
      client.mutate({ mutation: CREATE_CUSTOMER, variables: { input: { firstName: '  ', lastName: 'Blank', email: uniqueEmail('blank') } } }),
    );
    assert.equal(error.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(error));
    assert.equal(error.extensions?.field, 'firstName', JSON.stringify(error));
  });

  test('a negative page size is BAD_USER_INPUT, and errorPolicy "all" shows it next to data: null', async () => {
    const { client } = apollo();
    const result = await withTimeout(
      client.query({ query: CUSTOMERS, variables: { first: -1 }, errorPolicy: 'all', fetchPolicy: 'network-only' }),
      'query',
    );
    assert.ok(result.errors, 'errors are reported');
    assert.equal(result.errors.length, 1, JSON.stringify(result.errors));
    assert.equal(result.errors[0]!.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(result.errors));
    assert.equal(result.data ?? null, null);
  });
});

describe('createPersistedQueryLink (automatic persisted queries)', () => {
  /** A query no one has sent yet, so its hash is unknown to the server. */
  function freshQuery(): DocumentNode {
    return gql`
      query ApolloPersisted_${token()}($filter: CustomerFilter) {
        customers(filter: $filter, first: 5) {
          edges {
            node {
              id
              email
            }
          }
        }
      }
    `;
  }

  for (const useGETForHashedQueries of [false, true]) {
    test(`hash only, then the query after PERSISTED_QUERY_NOT_FOUND, then the hash alone (GET for hashes: ${useGETForHashedQueries})`, async () => {
      const customer = await seedCustomer('apq');
      const { client, http } = apollo({ persisted: { useGETForHashedQueries } });
      const query = freshQuery();
      const variables = { filter: { email: { eq: customer.email } } };
      type Data = { customers: { edges: { node: { email: string } }[] } };

      const first = await withTimeout(client.query<Data>({ query, variables, fetchPolicy: 'network-only' }), 'first query');
      assert.deepEqual(first.data.customers.edges.map((edge) => edge.node.email), [customer.email]);
      const second = await withTimeout(client.query<Data>({ query, variables, fetchPolicy: 'network-only' }), 'second query');
      assert.deepEqual(second.data.customers.edges.map((edge) => edge.node.email), [customer.email]);

      assert.equal(http.count, 3, JSON.stringify(http.requests.map((request) => request.body)));
      const [miss, retry, hit] = http.requests as [SentRequest, SentRequest, SentRequest];
      const hashOnly = useGETForHashedQueries ? 'GET' : 'POST';

      // 1: the hash alone, which the server does not know yet.
      assert.equal(miss.method, hashOnly);
      assert.equal(miss.body.query, undefined, 'the first request carries no query');
      const hash = miss.body.extensions?.persistedQuery?.sha256Hash;
      assert.match(hash ?? '', /^[0-9a-f]{64}$/);
      const missBody = miss.response?.body as { errors?: { extensions?: { code?: string } }[] };
      assert.equal(missBody.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND', JSON.stringify(missBody));

      // 2: the link retries with the query and the same hash, which the server checks.
      assert.ok(retry.body.query, 'the retry carries the query');
      assert.equal(retry.body.extensions?.persistedQuery?.sha256Hash, hash);
      assert.equal(sha256(retry.body.query), hash);
      assert.equal(retry.response?.status, 200);

      // 3: the same query again: the hash alone now runs it.
      assert.equal(hit.method, hashOnly);
      assert.equal(hit.body.query, undefined, 'the second query is sent by hash only');
      assert.equal(hit.body.extensions?.persistedQuery?.sha256Hash, hash);
      const hitBody = hit.response?.body as { errors?: unknown; data?: unknown };
      assert.equal(hitBody.errors, undefined, JSON.stringify(hitBody));
      assert.equal(hit.response?.status, 200);
    });
  }
});

describe('GraphQLWsLink subscriptions', () => {
  test('customerChanged: a write over HTTP arrives, and the event updates the cache', async () => {
    const { client } = apollo({ subscriptions: true });
    type Change = { customerChanged: { kind: string; customerId: number; customer: { id: string; firstName: string; email: string } | null } };
    const events = new Events<Change>();
    const subscription = client.subscribe<Change>({ query: CUSTOMER_CHANGED }).subscribe({
      next: (result) => (result.errors ? events.fail(result.errors) : result.data && events.push(result.data)),
      error: events.fail,
    });
    try {
      await untilLive(events, async () => {
        const probe = await seedCustomer('probe');
        return (event) => event.customerChanged.customerId === probe.customerId;
      });

      const email = uniqueEmail('subscribed');
      const created = await withTimeout(
        client.mutate<{ createCustomer: { id: string; customerId: number } }>({
          mutation: CREATE_CUSTOMER,
          variables: { input: { firstName: 'Sub', lastName: 'Scribed', email } },
        }),
        'mutate',
      );
      const customerId = created.data!.createCustomer.customerId;
      const event = await events.waitFor(
        (change) => change.customerChanged.customerId === customerId && change.customerChanged.kind === 'CREATED',
        'CREATED event',
      );
      assert.equal(event.customerChanged.customer?.email, email);

      // A write made elsewhere (another client, plain HTTP) reaches this client's cache.
      const renamed = `Live-${token()}`;
      await updateCustomer(customerId, { firstName: renamed });
      await events.waitFor(
        (change) => change.customerChanged.customerId === customerId && change.customerChanged.kind === 'UPDATED',
        'UPDATED event',
      );
      const cached = client.readFragment<{ firstName: string }>({
        id: client.cache.identify({ __typename: 'Customer', id: created.data!.createCustomer.id }),
        fragment: CUSTOMER_NAME,
      });
      assert.equal(cached?.firstName, renamed);
    } finally {
      subscription.unsubscribe();
    }
  });

  test('todoChanged(customerId): a todo created over HTTP for that customer arrives', async () => {
    const customer = await seedCustomer('todo-sub');
    const { client } = apollo({ subscriptions: true });
    type Change = { todoChanged: { kind: string; todoId: number; todo: { task: string; status: string; customerId: number | null } | null } };
    const events = new Events<Change>();
    const subscription = client
      .subscribe<Change>({ query: TODO_CHANGED, variables: { customerId: customer.customerId } })
      .subscribe({
        next: (result) => (result.errors ? events.fail(result.errors) : result.data && events.push(result.data)),
        error: events.fail,
      });
    try {
      await untilLive(events, async () => {
        const [probe] = await seedTodos(customer.customerId, ['probe']);
        return (event) => event.todoChanged.todoId === probe!.todoId;
      });
      const [todo] = await seedTodos(customer.customerId, [`subscribed ${token()}`]);
      const event = await events.waitFor(
        (change) => change.todoChanged.todoId === todo!.todoId && change.todoChanged.kind === 'CREATED',
        'CREATED event',
      );
      assert.deepEqual(event.todoChanged.todo, { __typename: 'Todo', id: todo!.id, task: todo!.task, status: 'PENDING', customerId: customer.customerId });
    } finally {
      subscription.unsubscribe();
    }
  });
});

describe('an edit form that sends only the changed fields (omitted variables)', () => {
  test('updateCustomer with $middleName and $phone undefined leaves them as they are', async () => {
    const customer = await seedCustomer('edit', { middleName: 'Middle', phone: '555-0100' });
    const { client, http } = apollo();
    const result = await withTimeout(
      client.mutate({ mutation: EDIT, variables: { id: customer.customerId, firstName: 'Edited', middleName: undefined, phone: undefined } }),
      'mutate',
    );
    // What the test relies on: Apollo leaves undefined variables out of the request.
    assert.deepEqual(http.requests[0]!.body.variables, { id: customer.customerId, firstName: 'Edited' });
    assert.deepEqual(result.data.updateCustomer, {
      __typename: 'Customer',
      id: customer.id,
      firstName: 'Edited',
      middleName: 'Middle',
      phone: '555-0100',
    });
    const stored = await readCustomer(customer.customerId);
    assert.equal(stored?.firstName, 'Edited');
    assert.equal(stored?.middleName, 'Middle', 'an omitted $middleName must not clear the middle name');
    assert.equal(stored?.phone, '555-0100', 'an omitted $phone must not clear the phone');
  });

  test('createTodo with $status undefined gets the default status PENDING', async () => {
    const customer = await seedCustomer('edit-todo');
    const { client, http } = apollo();
    const task = `defaulted ${token()}`;
    const result = await withTimeout(
      client.mutate({ mutation: NEW_TODO, variables: { task, status: undefined, customerId: customer.customerId } }),
      'mutate',
    );
    assert.deepEqual(http.requests[0]!.body.variables, { task, customerId: customer.customerId });
    assert.ok(result.data, JSON.stringify(result.errors));
    assert.equal(result.data.createTodo.task, task);
    assert.equal(result.data.createTodo.status, 'PENDING');
  });

  test('an explicit null $middleName clears it, and the omitted $phone stays', async () => {
    const customer = await seedCustomer('edit-null', { middleName: 'Middle', phone: '555-0101' });
    const { client, http } = apollo();
    const result = await withTimeout(
      client.mutate({ mutation: EDIT, variables: { id: customer.customerId, middleName: null } }),
      'mutate',
    );
    assert.deepEqual(http.requests[0]!.body.variables, { id: customer.customerId, middleName: null });
    assert.equal(result.data.updateCustomer.middleName, null);
    const stored = await readCustomer(customer.customerId);
    assert.equal(stored?.middleName, null, 'an explicit null clears the middle name');
    assert.equal(stored?.firstName, customer.firstName, 'an omitted $firstName must not change the first name');
    assert.equal(stored?.phone, '555-0101', 'an omitted $phone must not clear the phone');
  });
});
