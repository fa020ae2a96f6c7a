// GraphQL over HTTP as clients negotiate it: `application/json` and
// `application/graphql-response+json`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { assertError, post } from './client.js';
import { CustomersCount, DeleteTodo } from './operations.js';

/** A document codegen would refuse; sent raw to see the server's validation error. */
const invalid = parse('query Invalid { customers { shoeSize } }') as TypedDocumentNode<unknown, Record<string, never>>;

describe('media types', () => {
  test('both media types answer a valid query with 200 and data', async () => {
    for (const accept of ['application/json', 'application/graphql-response+json'] as const) {
      const { status, body } = await post(accept, CustomersCount);
      assert.equal(status, 200);
      assert.equal(body.errors, undefined);
      assert.ok(Number.isInteger(body.data?.customers.totalCount));
    }
  });

  test('a document that does not validate: 200 with application/json, 400 and no data with graphql-response+json', async () => {
    const json = await post('application/json', invalid);
    assert.equal(json.status, 200);
    assertError(json.body.errors![0]!, 'GRAPHQL_VALIDATION_FAILED');

    const modern = await post('application/graphql-response+json', invalid);
    assert.equal(modern.status, 400);
    assert.ok(!('data' in modern.body));
    assertError(modern.body.errors![0]!, 'GRAPHQL_VALIDATION_FAILED');
  });

  test('a field error (NOT_FOUND) is 200 with data: null with application/json', async () => {
    const json = await post('application/json', DeleteTodo, { todoId: 2_000_000_000 });
    assert.equal(json.status, 200);
    assert.equal(json.body.data, null);
    assertError(json.body.errors![0]!, 'NOT_FOUND');
  });

  // GraphQL-over-HTTP: once execution has started, `data` is present (here null) and the
  // status is 2xx; 4xx is for request errors only.
  test('a field error with graphql-response+json is 200 with data: null', async () => {
    const modern = await post('application/graphql-response+json', DeleteTodo, { todoId: 2_000_000_000 });
    assert.equal(modern.status, 200);
    assert.equal(modern.body.data, null);
    assertError(modern.body.errors![0]!, 'NOT_FOUND');
    assert.deepEqual(modern.body.errors![0]!.path, ['deleteTodo']);
  });
});
