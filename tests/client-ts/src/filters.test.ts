// Filters and ordering (README, "Filtering and ordering"): CustomerFilter / TodoFilter with and/or/not,
// StringFilter, IntFilter, DateTimeFilter, TodoStatusFilter, and orderBy with paging.
// Every query is narrowed to the rows this file creates (a fresh email domain, a fresh task
// prefix), so the results are exact on a database that other runs have filled.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { execute, uniqueToken } from './client.js';
import { newCustomer, newTodos } from './fixtures.js';
import { graphql } from './gql/index.js';
import type {
  CustomerFilter,
  CustomerOrderBy,
  CustomersFilteredQuery,
  TodoFilter,
  TodoOrderBy,
  TodoStatus,
} from './gql/graphql.js';

const CustomersFiltered = graphql(`
  query CustomersFiltered(
    $filter: CustomerFilter
    $orderBy: [CustomerOrderBy!]
    $first: Int
    $after: String
    $last: Int
    $before: String
  ) {
    customers(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
      edges {
        cursor
        node {
          customerId
          firstName
          middleName
          lastName
          email
          createdAt
        }
      }
    }
  }
`);

const TodosFiltered = graphql(`
  query TodosFiltered($filter: TodoFilter, $orderBy: [TodoOrderBy!], $first: Int, $after: String) {
    todos(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        todoId
        task
        status
        customerId
      }
    }
  }
`);

const CustomerTodosFiltered = graphql(`
  query CustomerTodosFiltered($customerId: Int!, $filter: TodoFilter, $orderBy: [TodoOrderBy!]) {
    customer(customerId: $customerId) {
      todos(filter: $filter, orderBy: $orderBy) {
        totalCount
        nodes {
          task
          status
        }
      }
    }
  }
`);

/** Filter literals written in the document itself, enum values included. */
const LiteralFilter = graphql(`
  query LiteralFilter($domain: String!) {
    customers(
      filter: { email: { endsWith: $domain }, not: { middleName: { isNull: true } } }
      orderBy: [LAST_NAME_ASC, CUSTOMER_ID_DESC]
      first: 10
    ) {
      nodes {
        lastName
        middleName
      }
    }
  }
`);

const token = uniqueToken();
const domain = `@${token}.filters.example.com`;
type Row = CustomersFilteredQuery['customers']['edges'][number]['node'];
let rows: Row[] = [];

/** Our customers matching `filter`, in the given order (all of them, one page). */
async function customers(filter: CustomerFilter, orderBy?: CustomerOrderBy[]): Promise<string[]> {
  const { customers } = await execute(CustomersFiltered, {
    filter: { and: [{ email: { endsWith: domain } }, filter] },
    orderBy: orderBy ?? null,
    first: 100,
  });
  assert.equal(customers.totalCount, customers.edges.length);
  return customers.edges.map((edge) => edge.node.firstName);
}

before(async () => {
  // firstName is the handle the assertions use.
  const specs: [string, string | null, string, string?][] = [
    ['ada', 'Augusta', 'King'],
    ['grace', null, 'Hopper'],
    ['alan', 'Mathison', 'Turing'],
    ['pct', '50%_off', 'Percent'],
    ['lit', '50xxoff', 'Percent'],
    ['case', 'ABC_def', 'Zuse', 'Ärger'],
  ];
  rows = [];
  for (const [firstName, middleName, lastName, suffix] of specs) {
    const created = await newCustomer(firstName, {
      firstName,
      middleName,
      lastName,
      suffix: suffix ?? null,
      email: `${firstName}${domain}`,
    });
    rows.push(created);
  }
});

describe('CustomerFilter', () => {
  test('{} and no filter match everything', async () => {
    assert.deepEqual(await customers({}), ['ada', 'grace', 'alan', 'pct', 'lit', 'case']);
  });

  test('eq, ne, in, notIn, isNull; NULL never matches ne/notIn', async () => {
    assert.deepEqual(await customers({ lastName: { eq: 'Percent' } }), ['pct', 'lit']);
    assert.deepEqual(await customers({ middleName: { ne: 'Augusta' } }), ['alan', 'pct', 'lit', 'case']);
    assert.deepEqual(await customers({ lastName: { in: ['King', 'Zuse', 'Nobody'] } }), ['ada', 'case']);
    assert.deepEqual(await customers({ middleName: { notIn: ['Augusta', 'Mathison'] } }), ['pct', 'lit', 'case']);
    assert.deepEqual(await customers({ middleName: { isNull: true } }), ['grace']);
    assert.deepEqual(await customers({ middleName: { isNull: false } }), ['ada', 'alan', 'pct', 'lit', 'case']);
    assert.deepEqual(await customers({ lastName: { in: [] } }), []);
    assert.deepEqual(await customers({ lastName: { notIn: [] } }), ['ada', 'grace', 'alan', 'pct', 'lit', 'case']);
  });

  test('contains, startsWith, endsWith take % and _ literally; containsInsensitive folds case', async () => {
    assert.deepEqual(await customers({ middleName: { contains: '%_' } }), ['pct']);
    assert.deepEqual(await customers({ middleName: { contains: '_' } }), ['pct', 'case']);
    assert.deepEqual(await customers({ middleName: { startsWith: '50%' } }), ['pct']);
    assert.deepEqual(await customers({ middleName: { endsWith: '_off' } }), ['pct']);
    assert.deepEqual(await customers({ middleName: { contains: 'aug' } }), []);
    assert.deepEqual(await customers({ middleName: { containsInsensitive: 'aug' } }), ['ada']);
    assert.deepEqual(await customers({ middleName: { containsInsensitive: 'c_D' } }), ['case']);
    assert.deepEqual(await customers({ middleName: { containsInsensitive: '%' } }), ['pct']);
    // As LIKE wildcards these would match '50xxoff' and every middle name.
    assert.deepEqual(await customers({ middleName: { containsInsensitive: 'X_O' } }), []);
    assert.deepEqual(await customers({ middleName: { contains: '%' } }), ['pct']);
    // Only A to Z fold: 'Ä' and 'ä' stay different.
    assert.deepEqual(await customers({ suffix: { containsInsensitive: 'ÄRGER' } }), ['case']);
    assert.deepEqual(await customers({ suffix: { containsInsensitive: 'ärger' } }), []);
  });

  test('and, or, not', async () => {
    assert.deepEqual(
      await customers({ or: [{ firstName: { eq: 'ada' } }, { lastName: { startsWith: 'Tur' } }] }),
      ['ada', 'alan'],
    );
    assert.deepEqual(
      await customers({ and: [{ lastName: { eq: 'Percent' } }, { middleName: { contains: '%' } }] }),
      ['pct'],
    );
    assert.deepEqual(await customers({ not: { lastName: { eq: 'Percent' } } }), ['ada', 'grace', 'alan', 'case']);
    // SQL logic: neither a condition on a null field nor its negation holds.
    assert.deepEqual(await customers({ not: { middleName: { eq: 'Augusta' } } }), ['alan', 'pct', 'lit', 'case']);
    assert.deepEqual(await customers({ or: [] }), [], 'an empty or matches nothing');
    assert.deepEqual(await customers({ and: [] }), ['ada', 'grace', 'alan', 'pct', 'lit', 'case']);
    assert.deepEqual(
      await customers({ not: { or: [{ middleName: { isNull: true } }, { firstName: { in: ['ada', 'alan'] } }] } }),
      ['pct', 'lit', 'case'],
    );
  });

  test('IntFilter on customerId and DateTimeFilter on createdAt', async () => {
    const [ada, grace, alan, pct] = rows;
    assert.ok(ada && grace && alan && pct);
    assert.deepEqual(await customers({ customerId: { gt: grace.customerId, lte: pct.customerId } }), ['alan', 'pct']);
    assert.deepEqual(await customers({ customerId: { gte: grace.customerId, lt: alan.customerId } }), ['grace']);
    assert.deepEqual(await customers({ customerId: { in: [ada.customerId, pct.customerId] } }), ['ada', 'pct']);
    assert.deepEqual(await customers({ createdAt: { gte: ada.createdAt } }), ['ada', 'grace', 'alan', 'pct', 'lit', 'case']);
    assert.deepEqual(await customers({ createdAt: { lt: ada.createdAt } }), []);
    assert.deepEqual(await customers({ updatedAt: { gte: ada.createdAt } }), ['ada', 'grace', 'alan', 'pct', 'lit', 'case']);
  });

  test('a filter in the document itself', async () => {
    const { customers } = await execute(LiteralFilter, { domain });
    assert.deepEqual(customers.nodes.map((node) => node.lastName), ['King', 'Percent', 'Percent', 'Turing', 'Zuse']);
    // Same last name: CUSTOMER_ID_DESC breaks the tie.
    assert.deepEqual(customers.nodes.slice(1, 3).map((node) => node.middleName), ['50xxoff', '50%_off']);
  });
});

describe('orderBy with paging', () => {
  const order: CustomerOrderBy[] = ['LAST_NAME_DESC', 'FIRST_NAME_ASC'];
  const expected = ['case', 'alan', 'lit', 'pct', 'ada', 'grace'];

  test('forward with first/after and backward with last/before keep the order', async () => {
    const filter: CustomerFilter = { email: { endsWith: domain } };
    const forward: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const { customers }: CustomersFilteredQuery = await execute(CustomersFiltered, { filter, orderBy: order, first: 4, after });
      assert.equal(customers.totalCount, 6);
      forward.push(...customers.edges.map((edge) => edge.node.firstName));
      if (!customers.pageInfo.hasNextPage) break;
      after = customers.pageInfo.endCursor;
    }
    assert.deepEqual(forward, expected);

    const backward: string[] = [];
    let before: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const { customers }: CustomersFilteredQuery = await execute(CustomersFiltered, { filter, orderBy: order, last: 4, before });
      backward.unshift(...customers.edges.map((edge) => edge.node.firstName));
      if (!customers.pageInfo.hasPreviousPage) break;
      before = customers.pageInfo.startCursor;
    }
    assert.deepEqual(backward, expected);
  });

  test('each ordering, ascending and descending', async () => {
    assert.deepEqual(await customers({}, ['FIRST_NAME_ASC']), ['ada', 'alan', 'case', 'grace', 'lit', 'pct']);
    assert.deepEqual(await customers({}, ['EMAIL_DESC']), ['pct', 'lit', 'grace', 'case', 'alan', 'ada']);
    assert.deepEqual(await customers({}, ['CUSTOMER_ID_DESC']), ['case', 'lit', 'pct', 'alan', 'grace', 'ada']);
    assert.deepEqual(await customers({}, ['CREATED_AT_ASC', 'CUSTOMER_ID_ASC']), ['ada', 'grace', 'alan', 'pct', 'lit', 'case']);
    assert.deepEqual(await customers({}, ['LAST_NAME_ASC']), ['grace', 'ada', 'pct', 'lit', 'alan', 'case'], 'ties by primary key');
  });
});

describe('TodoFilter', () => {
  const prefix = `filter-${token}`;
  let owner: number;
  let other: number;
  const tasks = async (filter: TodoFilter, orderBy?: TodoOrderBy[]) => {
    const { todos } = await execute(TodosFiltered, {
      filter: { and: [{ task: { startsWith: prefix } }, filter] },
      orderBy: orderBy ?? null,
      first: 100,
    });
    assert.equal(todos.totalCount, todos.nodes.length);
    return todos.nodes.map((todo) => todo.task.slice(prefix.length + 1));
  };

  before(async () => {
    owner = rows[0]!.customerId;
    other = rows[1]!.customerId;
    const make = async (name: string, status: TodoStatus, customerId: number | null) => {
      await newTodos(customerId, [`${prefix} ${name}`], { status });
    };
    await make('b', 'PENDING', owner);
    await make('a', 'IN_PROCESS', owner);
    await make('d', 'COMPLETED', other);
    await make('c', 'IN_PROCESS', null);
  });

  test('TodoStatusFilter eq, ne, in, notIn', async () => {
    assert.deepEqual(await tasks({ status: { eq: 'IN_PROCESS' } }), ['a', 'c']);
    assert.deepEqual(await tasks({ status: { ne: 'IN_PROCESS' } }), ['b', 'd']);
    assert.deepEqual(await tasks({ status: { in: ['PENDING', 'COMPLETED'] } }), ['b', 'd']);
    assert.deepEqual(await tasks({ status: { notIn: ['PENDING'] } }), ['a', 'd', 'c']);
    assert.deepEqual(await tasks({ status: { in: [] } }), []);
  });

  test('customerId IntFilter, isNull, and ne leaving out NULLs', async () => {
    assert.deepEqual(await tasks({ customerId: { eq: owner } }), ['b', 'a']);
    assert.deepEqual(await tasks({ customerId: { isNull: true } }), ['c']);
    assert.deepEqual(await tasks({ customerId: { ne: owner } }), ['d']);
    assert.deepEqual(await tasks({ or: [{ customerId: { ne: owner } }, { customerId: { isNull: true } }] }), ['d', 'c']);
    assert.deepEqual(await tasks({ not: { status: { eq: 'PENDING' } }, customerId: { isNull: false } }), ['a', 'd']);
  });

  test('orderBy: STATUS sorts by the stored string, CUSTOMER_ID puts NULLs last ascending', async () => {
    // Stored strings: Completed < In Process < Pending.
    assert.deepEqual(await tasks({}, ['STATUS_DESC', 'TASK_ASC']), ['b', 'a', 'c', 'd']);
    assert.deepEqual(await tasks({}, ['STATUS_ASC', 'TASK_DESC']), ['d', 'c', 'a', 'b']);
    assert.deepEqual(await tasks({}, ['TASK_ASC']), ['a', 'b', 'c', 'd']);
    const ownerFirst = owner < other;
    const [lo, hi] = ownerFirst ? [['b', 'a'], ['d']] : [['d'], ['b', 'a']];
    assert.deepEqual(await tasks({}, ['CUSTOMER_ID_ASC', 'TODO_ID_ASC']), [...lo!, ...hi!, 'c']);
    assert.deepEqual(await tasks({}, ['CUSTOMER_ID_DESC', 'TODO_ID_ASC']), ['c', ...hi!, ...lo!]);
    assert.deepEqual(await tasks({}, ['TODO_ID_DESC']), ['c', 'd', 'a', 'b']);
    assert.deepEqual(await tasks({}, ['CREATED_AT_ASC', 'TODO_ID_ASC']), ['b', 'a', 'd', 'c']);
  });

  test('Customer.todos takes the same filter and orderBy', async () => {
    const { customer } = await execute(CustomerTodosFiltered, {
      customerId: owner,
      filter: { task: { containsInsensitive: token.toUpperCase() } },
      orderBy: ['TASK_ASC'],
    });
    assert.ok(customer);
    assert.equal(customer.todos.totalCount, 2);
    assert.deepEqual(customer.todos.nodes.map((todo) => [todo.task.slice(prefix.length + 1), todo.status]), [
      ['a', 'IN_PROCESS'],
      ['b', 'PENDING'],
    ]);
  });
});
