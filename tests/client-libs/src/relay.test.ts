// Relay: relay-compiler compiles the documents below against ../../api/schema.graphql into
// src/__generated__/ (run.sh; not committed), and relay-runtime runs those artifacts: an
// Environment with a Network.create fetch function and a Store.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  ConnectionHandler,
  Environment,
  Network,
  ROOT_ID,
  RecordSource,
  Store,
  commitMutation,
  createOperationDescriptor,
  fetchQuery,
  getSingularSelector,
  type ConcreteRequest,
  type Disposable,
  type GraphQLResponse,
  type GraphQLTaggedNode,
  type MutationParameters,
  type OperationType,
} from 'relay-runtime';
import { GRAPHQL_URL, RecordingFetch, token, withTimeout } from './env';
import { MISSING_ID, seedCustomer, seedCustomers, seedTodos, updateCustomer } from './seed';
import CreateTodoMutation, { type relayTestCreateTodoMutation } from './__generated__/relayTestCreateTodoMutation.graphql';
import CustomerQuery, { type relayTestCustomerQuery } from './__generated__/relayTestCustomerQuery.graphql';
import CustomerRefetchQuery, { type relayTestCustomerRefetchQuery } from './__generated__/relayTestCustomerRefetchQuery.graphql';
import CustomersQuery, { type relayTestCustomersQuery } from './__generated__/relayTestCustomersQuery.graphql';
import DeleteCustomerMutation, { type relayTestDeleteCustomerMutation } from './__generated__/relayTestDeleteCustomerMutation.graphql';
import DeleteTodoMutation, { type relayTestDeleteTodoMutation } from './__generated__/relayTestDeleteTodoMutation.graphql';
import RenameMutation, { type relayTestRenameMutation } from './__generated__/relayTestRenameMutation.graphql';
import CustomerFragment, { type relayTest_customer$data } from './__generated__/relayTest_customer.graphql';

// ---------------------------------------------------------------- documents
//
// In an app, babel-plugin-relay replaces each graphql`...` with its artifact. Here the tag
// only marks the documents for relay-compiler, and the tests import the artifacts above.
function graphql(_document: TemplateStringsArray): void {}

graphql`
  fragment relayTest_customer on Customer
  @refetchable(queryName: "relayTestCustomerRefetchQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 2 }, cursor: { type: "String" }) {
    id
    customerId
    firstName
    email
    todos(first: $count, after: $cursor) @connection(key: "relayTest_customer_todos") {
      __id
      edges {
        node {
          id
          todoId
          task
          status
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

graphql`
  query relayTestCustomersQuery($filter: CustomerFilter, $first: Int!, $after: String) {
    customers(filter: $filter, first: $first, after: $after) @connection(key: "relayTest_customers", filters: ["filter"]) {
      __id
      edges {
        node {
          id
          email
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

graphql`
  query relayTestCustomerQuery($customerId: Int!) {
    customer(customerId: $customerId) {
      id
      ...relayTest_customer
    }
  }
`;

graphql`
  mutation relayTestRenameMutation($customerId: Int!, $firstName: String!) {
    updateCustomer(customerId: $customerId, patch: { firstName: $firstName }) {
      id
      firstName
    }
  }
`;

graphql`
  mutation relayTestCreateTodoMutation($input: CreateTodoInput!, $connections: [ID!]!) {
    createTodo(input: $input) @appendNode(connections: $connections, edgeTypeName: "TodoEdge") {
      id
      todoId
      task
      status
    }
  }
`;

graphql`
  mutation relayTestDeleteTodoMutation($todoId: Int!, $connections: [ID!]!) {
    deleteTodo(todoId: $todoId) {
      id @deleteEdge(connections: $connections)
    }
  }
`;

graphql`
  mutation relayTestDeleteCustomerMutation($customerId: Int!) {
    deleteCustomer(customerId: $customerId) {
      id @deleteRecord
    }
  }
`;

// ---------------------------------------------------------------- environment

const retained: Disposable[] = [];
after(() => {
  for (const disposable of retained) disposable.dispose();
});

/** A fresh Environment and Store per test; every request goes through a recording fetch. */
function relay(): { environment: Environment; http: RecordingFetch } {
  const http = new RecordingFetch();
  const network = Network.create(async (params, variables) => {
    const response = await http.fetch(GRAPHQL_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: params.text, operationName: params.name, variables }),
    });
    return (await response.json()) as GraphQLResponse;
  });
  return { environment: new Environment({ network, store: new Store(new RecordSource()) }), http };
}

/** Fetches a query from the network and keeps its data in the store (as a mounted view would). */
async function load<T extends OperationType>(environment: Environment, query: ConcreteRequest, variables: T['variables']): Promise<T['response']> {
  const operation = createOperationDescriptor(query, variables);
  retained.push(environment.retain(operation));
  const response = await withTimeout(
    fetchQuery<T>(environment, query, variables, { fetchPolicy: 'network-only' }).toPromise(),
    `fetchQuery ${query.params.name}`,
  );
  assert.ok(response, 'no response');
  return response;
}

/** What the store holds for a query now. */
function read<T extends OperationType>(environment: Environment, query: ConcreteRequest, variables: T['variables']): T['response'] {
  const operation = createOperationDescriptor(query, variables);
  const snapshot = environment.lookup(operation.fragment);
  assert.equal(snapshot.isMissingData, false, 'the store has all the data');
  return snapshot.data as T['response'];
}

/** What the store holds for a customer's fragment now (what a component would render). */
function readCustomer(environment: Environment, customerId: number): relayTest_customer$data {
  const { customer } = read<relayTestCustomerQuery>(environment, CustomerQuery, { customerId });
  assert.ok(customer, 'the customer is in the store');
  return environment.lookup(getSingularSelector(CustomerFragment, customer)).data as relayTest_customer$data;
}

function mutate<T extends MutationParameters>(environment: Environment, mutation: GraphQLTaggedNode, variables: T['variables']): Promise<T['response']> {
  return withTimeout(
    new Promise((resolve, reject) => {
      commitMutation<T>(environment, {
        mutation,
        variables,
        onCompleted: (response, errors) => (errors?.length ? reject(new Error(JSON.stringify(errors))) : resolve(response)),
        onError: reject,
      });
    }),
    'commitMutation',
  );
}

// ---------------------------------------------------------------- tests

describe('@connection pagination', () => {
  test('Query.customers: each next page (after: endCursor) is appended to the connection in the store', async () => {
    const { lastName, customers } = await seedCustomers('relay-page', 5);
    const { environment, http } = relay();
    const filter = { lastName: { eq: lastName } };
    let page = await load<relayTestCustomersQuery>(environment, CustomersQuery, { filter, first: 2 });
    assert.equal(page.customers.edges.length, 2);
    let after = page.customers.pageInfo.endCursor;
    while (page.customers.pageInfo.hasNextPage) {
      page = await load<relayTestCustomersQuery>(environment, CustomersQuery, { filter, first: 2, after });
      after = page.customers.pageInfo.endCursor;
    }
    assert.equal(http.count, 3, 'one request per page');

    const stored = read<relayTestCustomersQuery>(environment, CustomersQuery, { filter, first: 2 });
    assert.deepEqual(stored.customers.edges.map((edge) => edge.node.email), customers.map((customer) => customer.email));
    assert.equal(stored.customers.pageInfo.hasNextPage, false);
    assert.equal(stored.customers.__id, ConnectionHandler.getConnectionID(ROOT_ID, 'relayTest_customers', { filter }));
  });

  test('Customer.todos: the next page, fetched by the refetch query, is appended', async () => {
    const customer = await seedCustomer('relay-todos');
    const todos = await seedTodos(customer.customerId, ['one', 'two', 'three']);
    const { environment } = relay();
    await load<relayTestCustomerQuery>(environment, CustomerQuery, { customerId: customer.customerId });
    const first = readCustomer(environment, customer.customerId);
    assert.deepEqual(first.todos.edges.map((edge) => edge.node.task), ['one', 'two']);
    assert.equal(first.todos.pageInfo.hasNextPage, true);

    await load<relayTestCustomerRefetchQuery>(environment, CustomerRefetchQuery, {
      id: customer.id,
      count: 2,
      cursor: first.todos.pageInfo.endCursor,
    });
    const both = readCustomer(environment, customer.customerId);
    assert.deepEqual(both.todos.edges.map((edge) => edge.node.todoId), todos.map((todo) => todo.todoId));
    assert.equal(both.todos.pageInfo.hasNextPage, false);
  });
});

describe('@refetchable', () => {
  test('refetching by id goes through node(id:) and updates the fragment in the store', async () => {
    const customer = await seedCustomer('relay-refetch');
    const { environment, http } = relay();
    await load<relayTestCustomerQuery>(environment, CustomerQuery, { customerId: customer.customerId });
    assert.equal(readCustomer(environment, customer.customerId).firstName, customer.firstName);

    const renamed = `Elsewhere-${token()}`;
    await updateCustomer(customer.customerId, { firstName: renamed }); // another client's write
    const response = await load<relayTestCustomerRefetchQuery>(environment, CustomerRefetchQuery, { id: customer.id });
    assert.ok(response.node, 'node(id:) finds the customer');

    const sent = http.requests.at(-1)!.body;
    assert.equal(sent.operationName, 'relayTestCustomerRefetchQuery');
    assert.match(sent.query ?? '', /node\(id: \$id\)/);
    assert.equal(readCustomer(environment, customer.customerId).firstName, renamed);
  });

  test('a mutation returning id and fields updates the record', async () => {
    const customer = await seedCustomer('relay-rename');
    const { environment } = relay();
    await load<relayTestCustomerQuery>(environment, CustomerQuery, { customerId: customer.customerId });
    const renamed = `Renamed-${token()}`;
    await mutate<relayTestRenameMutation>(environment, RenameMutation, { customerId: customer.customerId, firstName: renamed });
    assert.equal(readCustomer(environment, customer.customerId).firstName, renamed);
  });
});

describe('declarative mutations', () => {
  test('@appendNode adds the new todo to the end of Customer.todos, @deleteEdge removes it', async () => {
    const customer = await seedCustomer('relay-edges');
    const [existing] = await seedTodos(customer.customerId, ['existing']);
    const { environment } = relay();
    await load<relayTestCustomerQuery>(environment, CustomerQuery, { customerId: customer.customerId });
    const connection = readCustomer(environment, customer.customerId).todos.__id;
    assert.equal(connection, ConnectionHandler.getConnectionID(customer.id, 'relayTest_customer_todos'));

    const task = `appended ${token()}`;
    const { createTodo } = await mutate<relayTestCreateTodoMutation>(environment, CreateTodoMutation, {
      input: { task, customerId: customer.customerId, status: 'IN_PROCESS' },
      connections: [connection],
    });
    assert.deepEqual(
      readCustomer(environment, customer.customerId).todos.edges.map((edge) => [edge.node.todoId, edge.node.task, edge.node.status]),
      [
        [existing!.todoId, 'existing', 'PENDING'],
        [createTodo.todoId, task, 'IN_PROCESS'],
      ],
    );

    await mutate<relayTestDeleteTodoMutation>(environment, DeleteTodoMutation, { todoId: existing!.todoId, connections: [connection] });
    assert.deepEqual(
      readCustomer(environment, customer.customerId).todos.edges.map((edge) => edge.node.todoId),
      [createTodo.todoId],
    );
  });

  test('@deleteRecord removes the deleted customer from the store', async () => {
    const customer = await seedCustomer('relay-delete');
    const { environment } = relay();
    await load<relayTestCustomerQuery>(environment, CustomerQuery, { customerId: customer.customerId });
    await mutate<relayTestDeleteCustomerMutation>(environment, DeleteCustomerMutation, { customerId: customer.customerId });
    const snapshot = environment.lookup(createOperationDescriptor(CustomerQuery, { customerId: customer.customerId }).fragment);
    assert.equal((snapshot.data as relayTestCustomerQuery['response']).customer, null);
    assert.equal(environment.getStore().getSource().getStatus(customer.id), 'NONEXISTENT');
  });

  test('an error reaches onError with the service\'s code (NOT_FOUND)', async () => {
    const { environment } = relay();
    const error = await mutate<relayTestDeleteCustomerMutation>(environment, DeleteCustomerMutation, { customerId: MISSING_ID }).then(
      (response) => assert.fail(`expected an error, got ${JSON.stringify(response)}`),
      (error: unknown) => error,
    );
    const source = (error as { source?: { errors?: { extensions?: { code?: string } }[] } }).source;
    assert.equal(source?.errors?.[0]?.extensions?.code, 'NOT_FOUND', String(error));
  });
});
