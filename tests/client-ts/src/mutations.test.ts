// Every mutation of the schema, through the generated documents.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { execute, uniqueEmail, uniqueToken } from './client.js';
import { newCustomer, newTodos } from './fixtures.js';
import type { CustomerPatch, TodoPatch, TodoStatus } from './gql/graphql.js';
import {
  ClearMiddleNameLiteral,
  CreateCustomer,
  CreateCustomers,
  CreateInProcessTodo,
  CreateTodo,
  CreateTodos,
  CustomerByEmail,
  CustomerById,
  DeleteCustomer,
  DeleteTodo,
  TodoById,
  UpdateCustomer,
  UpdateTodo,
  UpsertCustomer,
} from './operations.js';

describe('customers', () => {
  test('createCustomer returns every field; optional ones are null when omitted', async () => {
    const email = uniqueEmail('create', 'Example.COM');
    const { createCustomer: c } = await execute(CreateCustomer, {
      input: { firstName: 'Ada', lastName: 'Lovelace', email, phone: '555-0100' },
    });
    assert.equal(c.firstName, 'Ada');
    assert.equal(c.lastName, 'Lovelace');
    assert.equal(c.middleName, null);
    assert.equal(c.suffix, null);
    assert.equal(c.phone, '555-0100');
    assert.equal(c.email, email.replace('@Example.COM', '@example.com'));
    assert.ok(Number.isInteger(c.customerId) && c.customerId > 0);
    assert.equal(typeof c.id, 'string');
    assert.ok(Date.parse(c.createdAt) <= Date.parse(c.updatedAt));
  });

  test('createCustomers creates several, in order', async () => {
    const emails = [uniqueEmail('batch-1'), uniqueEmail('batch-2'), uniqueEmail('batch-3')];
    const { createCustomers } = await execute(CreateCustomers, {
      inputs: emails.map((email, i) => ({ firstName: `B${i}`, lastName: 'Batch', email, suffix: i === 1 ? 'III' : null })),
    });
    assert.deepEqual(createCustomers.map((c) => c.email), emails);
    assert.deepEqual(createCustomers.map((c) => c.suffix), [null, 'III', null]);
    const ids = createCustomers.map((c) => c.customerId);
    assert.ok(ids[0]! < ids[1]! && ids[1]! < ids[2]!);
    for (const created of createCustomers) {
      const { customer } = await execute(CustomerById, { customerId: created.customerId });
      assert.deepEqual(customer, created);
    }
    const { createCustomers: none } = await execute(CreateCustomers, { inputs: [] });
    assert.deepEqual(none, []);
  });

  test('upsertCustomer creates, then replaces every other field of the same email', async () => {
    const email = uniqueEmail('upsert');
    const { upsertCustomer: created } = await execute(UpsertCustomer, {
      input: { firstName: 'Grace', middleName: 'Brewster', lastName: 'Murray', email, phone: '555-0199' },
    });
    assert.equal(created.middleName, 'Brewster');

    // Same email with the domain in another case: the same customer.
    const sameEmail = email.replace('@client-ts.example.com', '@CLIENT-TS.Example.com');
    const { upsertCustomer: updated } = await execute(UpsertCustomer, {
      input: { firstName: 'Grace', lastName: 'Hopper', suffix: 'RADM', email: sameEmail },
    });
    assert.equal(updated.customerId, created.customerId);
    assert.equal(updated.id, created.id);
    assert.equal(updated.email, email);
    assert.equal(updated.lastName, 'Hopper');
    assert.equal(updated.suffix, 'RADM');
    assert.equal(updated.middleName, null, 'an omitted field is replaced too');
    assert.equal(updated.phone, null);
    assert.equal(updated.createdAt, created.createdAt);
    assert.ok(Date.parse(updated.updatedAt) >= Date.parse(created.updatedAt));

    const { customerByEmail } = await execute(CustomerByEmail, { email });
    assert.deepEqual(customerByEmail, updated);
  });

  test('updateCustomer: an omitted field stays, an explicit null clears it', async () => {
    const customer = await newCustomer('patch', { middleName: 'Mathison', suffix: 'OBE', phone: '555-0142' });

    // Omitting middleName leaves it as it is.
    const omit: CustomerPatch = { firstName: 'Alan', phone: '555-0143' };
    const { updateCustomer: a } = await execute(UpdateCustomer, { customerId: customer.customerId, patch: omit });
    assert.equal(a.firstName, 'Alan');
    assert.equal(a.phone, '555-0143');
    assert.equal(a.middleName, 'Mathison');
    assert.equal(a.suffix, 'OBE');
    assert.equal(a.lastName, customer.lastName);
    assert.equal(a.email, customer.email);
    assert.equal(a.createdAt, customer.createdAt);

    // An explicit null in the variables clears it (and only it).
    const clear: CustomerPatch = { middleName: null };
    const { updateCustomer: b } = await execute(UpdateCustomer, { customerId: customer.customerId, patch: clear });
    assert.equal(b.middleName, null);
    assert.equal(b.suffix, 'OBE');
    assert.equal(b.phone, '555-0143');

    // An empty patch changes nothing.
    const { updateCustomer: c } = await execute(UpdateCustomer, { customerId: customer.customerId, patch: {} });
    assert.deepEqual({ ...c, updatedAt: b.updatedAt }, b);

    // A null written in the document itself.
    await execute(UpdateCustomer, { customerId: customer.customerId, patch: { middleName: 'Again' } });
    const { updateCustomer: d } = await execute(ClearMiddleNameLiteral, { customerId: customer.customerId });
    assert.deepEqual(d, { customerId: customer.customerId, middleName: null, suffix: 'OBE' });

    // A new email: the domain is lower-cased as on create.
    const email = uniqueEmail('patched', 'Example.NET');
    const { updateCustomer: e } = await execute(UpdateCustomer, { customerId: customer.customerId, patch: { email } });
    assert.equal(e.email, email.replace('@Example.NET', '@example.net'));

    const { customer: stored } = await execute(CustomerById, { customerId: customer.customerId });
    assert.deepEqual(stored, e);
  });

  test('deleteCustomer returns it as it was and keeps its todos, unlinked', async () => {
    const customer = await newCustomer('delete', { phone: '555-0000' });
    const [todo] = await newTodos(customer.customerId, ['outlive the customer']);
    assert.ok(todo);
    const { deleteCustomer } = await execute(DeleteCustomer, { customerId: customer.customerId });
    assert.deepEqual(deleteCustomer, customer);
    assert.equal((await execute(CustomerById, { customerId: customer.customerId })).customer, null);
    const { todo: kept } = await execute(TodoById, { todoId: todo.todoId });
    assert.ok(kept);
    assert.equal(kept.customerId, null);
    assert.equal(kept.customer, null);
    assert.equal(kept.task, 'outlive the customer');
  });
});

describe('todos', () => {
  test('createTodo: default status PENDING, every TodoStatus value, optional customer', async () => {
    const customer = await newCustomer('todo');
    const task = `Write ${uniqueToken()}`;
    const { createTodo: plain } = await execute(CreateTodo, { input: { task, customerId: customer.customerId } });
    assert.equal(plain.status, 'PENDING');
    assert.equal(plain.task, task);
    assert.equal(plain.customerId, customer.customerId);
    assert.deepEqual(plain.customer, { customerId: customer.customerId, email: customer.email });

    const statuses: TodoStatus[] = ['PENDING', 'COMPLETED', 'IN_PROCESS'];
    for (const status of statuses) {
      const { createTodo } = await execute(CreateTodo, { input: { task: `${status} task`, status } });
      assert.equal(createTodo.status, status);
      assert.equal(createTodo.customerId, null);
      assert.equal(createTodo.customer, null);
    }

    const { inProcess, pending } = await execute(CreateInProcessTodo, { task, customerId: customer.customerId });
    assert.equal(inProcess.status, 'IN_PROCESS');
    assert.equal(pending.status, 'PENDING');
    assert.ok(inProcess.todoId < pending.todoId, 'mutation fields run in order');
  });

  test('createTodos creates several, in order', async () => {
    const customer = await newCustomer('todos');
    const { createTodos } = await execute(CreateTodos, {
      inputs: [
        { task: 'Plan', customerId: customer.customerId },
        { task: 'Build', status: 'IN_PROCESS', customerId: customer.customerId },
        { task: 'Ship', status: 'COMPLETED' },
      ],
    });
    assert.deepEqual(
      createTodos.map((t) => [t.task, t.status, t.customerId]),
      [
        ['Plan', 'PENDING', customer.customerId],
        ['Build', 'IN_PROCESS', customer.customerId],
        ['Ship', 'COMPLETED', null],
      ],
    );
    assert.ok(createTodos[0]!.todoId < createTodos[1]!.todoId && createTodos[1]!.todoId < createTodos[2]!.todoId);
  });

  test('updateTodo: omitted fields stay, customerId null unlinks, another customer relinks', async () => {
    const owner = await newCustomer('todo-owner');
    const other = await newCustomer('todo-other');
    const [todo] = await newTodos(owner.customerId, ['Find the moth']);
    assert.ok(todo);

    const started: TodoPatch = { status: 'IN_PROCESS' };
    const { updateTodo: a } = await execute(UpdateTodo, { todoId: todo.todoId, patch: started });
    assert.deepEqual([a.task, a.status, a.customerId], ['Find the moth', 'IN_PROCESS', owner.customerId]);
    assert.equal(a.createdAt, todo.createdAt);

    const { updateTodo: b } = await execute(UpdateTodo, { todoId: todo.todoId, patch: { task: 'Tape the moth', customerId: null } });
    assert.deepEqual([b.task, b.status, b.customerId, b.customer], ['Tape the moth', 'IN_PROCESS', null, null]);

    const { updateTodo: c } = await execute(UpdateTodo, {
      todoId: todo.todoId,
      patch: { customerId: other.customerId, status: 'COMPLETED' },
    });
    assert.deepEqual([c.task, c.status, c.customerId], ['Tape the moth', 'COMPLETED', other.customerId]);
    assert.deepEqual(c.customer, { customerId: other.customerId });

    const { todo: stored } = await execute(TodoById, { todoId: todo.todoId });
    assert.deepEqual(stored?.status, 'COMPLETED');
  });

  test('deleteTodo returns it as it was; then it is gone', async () => {
    const [todo] = await newTodos(null, [`Delete me ${uniqueToken()}`], { status: 'IN_PROCESS' });
    assert.ok(todo);
    const { deleteTodo } = await execute(DeleteTodo, { todoId: todo.todoId });
    assert.deepEqual(deleteTodo, todo);
    assert.equal((await execute(TodoById, { todoId: todo.todoId })).todo, null);
  });
});
