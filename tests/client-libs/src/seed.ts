// Rows the tests make for themselves, and reads that check the database directly: plain
// POSTs, independent of the client libraries under test. Every customer gets a fresh email,
// and a group of customers shares a fresh last name to filter on, so the tests pass on a
// database that earlier tests (or runs) have filled.
import assert from 'node:assert/strict';
import { GRAPHQL_URL, WAIT_MS, token, uniqueEmail } from './env';

interface GraphQLBody<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** Runs an operation that must succeed and returns its data. */
export async function graphqlRequest<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(GRAPHQL_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  const body = JSON.parse(text) as GraphQLBody<T>;
  assert.equal(body.errors, undefined, `unexpected errors: ${text}`);
  assert.ok(body.data, `no data: ${text}`);
  return body.data;
}

export interface SeededCustomer {
  id: string;
  customerId: number;
  firstName: string;
  middleName: string | null;
  lastName: string;
  email: string;
  phone: string | null;
}

export interface SeededTodo {
  id: string;
  todoId: number;
  task: string;
  status: 'PENDING' | 'COMPLETED' | 'IN_PROCESS';
  customerId: number | null;
}

const CUSTOMER_FIELDS = 'id customerId firstName middleName lastName email phone';
const TODO_FIELDS = 'id todoId task status customerId';

/** `count` customers with one fresh last name, created in order (so in `customerId` order). */
export async function seedCustomers(
  label: string,
  count: number,
  fields: { middleName?: string; phone?: string } = {},
): Promise<{ lastName: string; customers: SeededCustomer[] }> {
  const lastName = `${label}-${token()}`;
  const inputs = Array.from({ length: count }, (_, index) => ({
    firstName: `${label}${index + 1}`,
    lastName,
    email: uniqueEmail(`${label}${index + 1}`),
    ...fields,
  }));
  const { createCustomers } = await graphqlRequest<{ createCustomers: SeededCustomer[] }>(
    `mutation Seed($inputs: [CreateCustomerInput!]!) { createCustomers(inputs: $inputs) { ${CUSTOMER_FIELDS} } }`,
    { inputs },
  );
  assert.equal(createCustomers.length, count);
  return { lastName, customers: createCustomers };
}

export async function seedCustomer(label: string, fields: { middleName?: string; phone?: string } = {}): Promise<SeededCustomer> {
  const { customers } = await seedCustomers(label, 1, fields);
  return customers[0]!;
}

/** Todos for a customer (or none), created in order. */
export async function seedTodos(customerId: number | null, tasks: string[]): Promise<SeededTodo[]> {
  const { createTodos } = await graphqlRequest<{ createTodos: SeededTodo[] }>(
    `mutation SeedTodos($inputs: [CreateTodoInput!]!) { createTodos(inputs: $inputs) { ${TODO_FIELDS} } }`,
    { inputs: tasks.map((task) => ({ task, customerId })) },
  );
  return createTodos;
}

/** The customer as the database has it now. */
export async function readCustomer(customerId: number): Promise<SeededCustomer | null> {
  const { customer } = await graphqlRequest<{ customer: SeededCustomer | null }>(
    `query ReadCustomer($customerId: Int!) { customer(customerId: $customerId) { ${CUSTOMER_FIELDS} } }`,
    { customerId },
  );
  return customer;
}

export async function updateCustomer(customerId: number, patch: Record<string, unknown>): Promise<SeededCustomer> {
  const { updateCustomer } = await graphqlRequest<{ updateCustomer: SeededCustomer }>(
    `mutation Update($customerId: Int!, $patch: CustomerPatch!) { updateCustomer(customerId: $customerId, patch: $patch) { ${CUSTOMER_FIELDS} } }`,
    { customerId, patch },
  );
  return updateCustomer;
}

export async function updateTodo(todoId: number, patch: Record<string, unknown>): Promise<SeededTodo> {
  const { updateTodo } = await graphqlRequest<{ updateTodo: SeededTodo }>(
    `mutation UpdateTodo($todoId: Int!, $patch: TodoPatch!) { updateTodo(todoId: $todoId, patch: $patch) { ${TODO_FIELDS} } }`,
    { todoId, patch },
  );
  return updateTodo;
}

/** A customer number that no row has (GraphQL `Int` is 32-bit; no test gets this far). */
export const MISSING_ID = 2_147_483_000;
