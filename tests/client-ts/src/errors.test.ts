// Errors as a client sees them: `data: null` and one error with a stable `extensions.code`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertError, execute, executeError, request, uniqueEmail } from './client.js';
import { newCustomer, newTodos } from './fixtures.js';
import {
  CreateCustomer,
  CreateCustomers,
  CreateTodo,
  CreateTodos,
  CustomerByEmail,
  CustomerById,
  CustomersPage,
  CustomerTodosPage,
  DeleteCustomer,
  DeleteTodo,
  TodoById,
  UpdateCustomer,
  UpdateTodo,
} from './operations.js';

/** Ids that existed once: a customer and a todo, both deleted again. */
async function deletedIds(): Promise<{ customerId: number; todoId: number }> {
  const customer = await newCustomer('gone');
  const [todo] = await newTodos(null, ['gone']);
  assert.ok(todo);
  await execute(DeleteCustomer, { customerId: customer.customerId });
  await execute(DeleteTodo, { todoId: todo.todoId });
  return { customerId: customer.customerId, todoId: todo.todoId };
}

describe('CONFLICT', () => {
  test('a taken email on create, upsert-free create in a batch and update', async () => {
    const taken = await newCustomer('taken', { email: uniqueEmail('taken', 'Example.COM') });

    // The domain is compared as stored (lower-cased).
    const upper = taken.email.replace('@example.com', '@EXAMPLE.com');
    const create = await executeError(CreateCustomer, {
      input: { firstName: 'Dup', lastName: 'Licate', email: upper },
    });
    assertError(create, 'CONFLICT', 'email');
    assert.deepEqual(create.path, ['createCustomer']);

    const other = await newCustomer('other');
    const update = await executeError(UpdateCustomer, { customerId: other.customerId, patch: { email: taken.email } });
    assertError(update, 'CONFLICT', 'email');
    assert.equal((await execute(CustomerById, { customerId: other.customerId })).customer?.email, other.email);

    // In a batch, the failing input's position is extensions.index and nothing is kept.
    const fresh = uniqueEmail('rolled-back');
    const batch = await executeError(CreateCustomers, {
      inputs: [
        { firstName: 'Kept', lastName: 'Not', email: fresh },
        { firstName: 'Dup', lastName: 'Licate', email: taken.email },
      ],
    });
    assertError(batch, 'CONFLICT', 'email');
    assert.equal(batch.extensions?.index, 1);
    assert.equal((await execute(CustomerByEmail, { email: fresh })).customerByEmail, null, 'rolled back');
  });
});

describe('NOT_FOUND', () => {
  test('mutations on a missing customer or todo; look-ups answer null instead', async () => {
    const { customerId, todoId } = await deletedIds();
    assertError(await executeError(UpdateCustomer, { customerId, patch: { firstName: 'Nobody' } }), 'NOT_FOUND');
    assertError(await executeError(DeleteCustomer, { customerId }), 'NOT_FOUND');
    assertError(await executeError(UpdateTodo, { todoId, patch: { status: 'COMPLETED' } }), 'NOT_FOUND');
    const deleteTodo = await executeError(DeleteTodo, { todoId });
    assertError(deleteTodo, 'NOT_FOUND');
    assert.deepEqual(deleteTodo.path, ['deleteTodo']);

    const lookup = await request(CustomerById, { customerId });
    assert.deepEqual(lookup, { data: { customer: null } });
    assert.deepEqual(await request(TodoById, { todoId }), { data: { todo: null } });
  });
});

describe('BAD_USER_INPUT', () => {
  test('invalid customer fields name the input field', async () => {
    const blank = await executeError(CreateCustomer, { input: { firstName: '  ', lastName: 'X', email: uniqueEmail('blank') } });
    assertError(blank, 'BAD_USER_INPUT', 'firstName');
    const long = await executeError(CreateCustomer, {
      input: { firstName: 'x'.repeat(256), lastName: 'X', email: uniqueEmail('long') },
    });
    assertError(long, 'BAD_USER_INPUT', 'firstName');
    const email = await executeError(CreateCustomer, { input: { firstName: 'X', lastName: 'Y', email: 'not-an-email' } });
    assertError(email, 'BAD_USER_INPUT', 'email');

    const customer = await newCustomer('bad-patch');
    const nullLast = await executeError(UpdateCustomer, { customerId: customer.customerId, patch: { lastName: null } });
    assertError(nullLast, 'BAD_USER_INPUT', 'lastName');
    const nullEmail = await executeError(UpdateCustomer, { customerId: customer.customerId, patch: { email: null } });
    assertError(nullEmail, 'BAD_USER_INPUT', 'email');
    assert.deepEqual((await execute(CustomerById, { customerId: customer.customerId })).customer, customer, 'unchanged');

    const batch = await executeError(CreateCustomers, {
      inputs: [
        { firstName: 'Ok', lastName: 'Ok', email: uniqueEmail('batch-ok') },
        { firstName: 'Ok', lastName: 'Ok', email: uniqueEmail('batch-ok') },
        { firstName: 'Ok', lastName: '', email: uniqueEmail('batch-bad') },
      ],
    });
    assertError(batch, 'BAD_USER_INPUT', 'lastName');
    assert.equal(batch.extensions?.index, 2);
  });

  test('invalid todo fields: unknown customer, blank task, null status', async () => {
    const { customerId, todoId } = await deletedIds();
    const unknown = await executeError(CreateTodo, { input: { task: 'For nobody', customerId } });
    assertError(unknown, 'BAD_USER_INPUT', 'customerId');
    const blank = await executeError(CreateTodo, { input: { task: ' ' } });
    assertError(blank, 'BAD_USER_INPUT', 'task');

    const [todo] = await newTodos(null, ['valid']);
    assert.ok(todo);
    assertError(await executeError(UpdateTodo, { todoId: todo.todoId, patch: { status: null } }), 'BAD_USER_INPUT', 'status');
    assertError(await executeError(UpdateTodo, { todoId: todo.todoId, patch: { task: null } }), 'BAD_USER_INPUT', 'task');
    assertError(await executeError(UpdateTodo, { todoId: todo.todoId, patch: { customerId } }), 'BAD_USER_INPUT', 'customerId');
    assert.ok(todoId !== todo.todoId);

    const batch = await executeError(CreateTodos, { inputs: [{ task: 'ok' }, { task: 'ok', customerId }] });
    assertError(batch, 'BAD_USER_INPUT', 'customerId');
    assert.equal(batch.extensions?.index, 1);
  });

  test('page sizes out of range and cursors the server did not issue', async () => {
    assertError(await executeError(CustomersPage, { first: 1001 }), 'BAD_USER_INPUT', 'first');
    assertError(await executeError(CustomersPage, { last: -1 }), 'BAD_USER_INPUT', 'last');
    assertError(await executeError(CustomersPage, { first: 1, after: 'not-a-cursor' }), 'BAD_USER_INPUT', 'after');

    // A real cursor, but of another list (a todo cursor given to customers).
    const customer = await newCustomer('cursor');
    await newTodos(customer.customerId, ['a']);
    const { customer: page } = await execute(CustomerTodosPage, { customerId: customer.customerId, first: 1 });
    const todoCursor = page?.todos.edges[0]?.cursor;
    assert.ok(todoCursor);
    assertError(await executeError(CustomersPage, { last: 1, before: todoCursor }), 'BAD_USER_INPUT', 'before');
  });
});
