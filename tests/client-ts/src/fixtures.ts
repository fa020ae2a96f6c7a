// Rows the tests create for themselves: every customer has a fresh email, so the tests pass
// on a database that earlier (or concurrent) runs have filled.
import { execute, uniqueEmail, uniqueToken } from './client.js';
import type { CreateCustomerInput, CreateTodoInput } from './gql/graphql.js';
import { CreateCustomer, CreateTodos } from './operations.js';

export async function newCustomer(label: string, fields: Partial<CreateCustomerInput> = {}) {
  const input: CreateCustomerInput = {
    firstName: `First-${uniqueToken()}`,
    lastName: `Last-${label}`,
    email: uniqueEmail(label),
    ...fields,
  };
  const { createCustomer } = await execute(CreateCustomer, { input });
  return createCustomer;
}

/** Creates `tasks.length` todos for a customer, in order, in one mutation. */
export async function newTodos(customerId: number | null, tasks: string[], fields: Partial<CreateTodoInput> = {}) {
  const inputs: CreateTodoInput[] = tasks.map((task) => ({ task, customerId, ...fields }));
  const { createTodos } = await execute(CreateTodos, { inputs });
  return createTodos;
}
