// Every operation the tests send, as a frontend would write them. `graphql-codegen` reads
// this file, validates each document against ../../api/schema.graphql and generates the
// typed documents that `graphql(...)` returns (src/gql/).
import { graphql } from './gql/index.js';

// ---------------------------------------------------------------- fragments

export const CustomerFields = graphql(`
  fragment CustomerFields on Customer {
    id
    customerId
    firstName
    middleName
    lastName
    suffix
    email
    phone
    createdAt
    updatedAt
  }
`);

export const TodoFields = graphql(`
  fragment TodoFields on Todo {
    id
    todoId
    task
    status
    customerId
    createdAt
    updatedAt
  }
`);

export const PageInfoFields = graphql(`
  fragment PageInfoFields on PageInfo {
    hasNextPage
    hasPreviousPage
    startCursor
    endCursor
  }
`);

// ---------------------------------------------------------------- queries

export const CustomerById = graphql(`
  query CustomerById($customerId: Int!) {
    customer(customerId: $customerId) {
      ...CustomerFields
    }
  }
`);

export const CustomerByEmail = graphql(`
  query CustomerByEmail($email: String!) {
    customerByEmail(email: $email) {
      ...CustomerFields
    }
  }
`);

export const TodoById = graphql(`
  query TodoById($todoId: Int!) {
    todo(todoId: $todoId) {
      ...TodoFields
      customer {
        customerId
        email
      }
    }
  }
`);

/** customers -> todos -> customer, three levels of lists and objects. */
export const CustomersWithTodos = graphql(`
  query CustomersWithTodos($last: Int, $before: String, $todosFirst: Int) {
    customers(last: $last, before: $before) {
      totalCount
      pageInfo {
        ...PageInfoFields
      }
      edges {
        cursor
        node {
          customerId
          email
          todos(first: $todosFirst) {
            totalCount
            nodes {
              todoId
              task
              status
              customer {
                customerId
                email
                todos(first: 1) {
                  totalCount
                }
              }
            }
          }
        }
      }
    }
  }
`);

/** One customer's todos, paged with any of first/after/last/before. */
export const CustomerTodosPage = graphql(`
  query CustomerTodosPage(
    $customerId: Int!
    $first: Int
    $after: String
    $last: Int
    $before: String
  ) {
    customer(customerId: $customerId) {
      customerId
      todos(first: $first, after: $after, last: $last, before: $before) {
        totalCount
        pageInfo {
          ...PageInfoFields
        }
        edges {
          cursor
          node {
            todoId
            task
            status
            customerId
          }
        }
      }
    }
  }
`);

export const CustomersPage = graphql(`
  query CustomersPage($first: Int, $after: String, $last: Int, $before: String) {
    customers(first: $first, after: $after, last: $last, before: $before) {
      pageInfo {
        ...PageInfoFields
      }
      edges {
        cursor
        node {
          customerId
          email
        }
      }
      nodes {
        customerId
      }
    }
  }
`);

export const CustomersCount = graphql(`
  query CustomersCount {
    customers(first: 1) {
      totalCount
    }
  }
`);

export const TodosPage = graphql(`
  query TodosPage($first: Int, $after: String, $last: Int, $before: String) {
    todos(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo {
        ...PageInfoFields
      }
      nodes {
        todoId
        task
        status
        customerId
        customer {
          customerId
        }
      }
    }
  }
`);

export const NodeById = graphql(`
  query NodeById($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on Customer {
        customerId
        email
      }
      ... on Todo {
        todoId
        task
        status
      }
    }
  }
`);

export const NodesByIds = graphql(`
  query NodesByIds($ids: [ID!]!) {
    nodes(ids: $ids) {
      __typename
      id
      ... on Customer {
        customerId
        lastName
      }
      ... on Todo {
        todoId
        ownerId: customerId
      }
    }
  }
`);

// ---------------------------------------------------------------- customer mutations

export const CreateCustomer = graphql(`
  mutation CreateCustomer($input: CreateCustomerInput!) {
    createCustomer(input: $input) {
      ...CustomerFields
    }
  }
`);

export const CreateCustomers = graphql(`
  mutation CreateCustomers($inputs: [CreateCustomerInput!]!) {
    createCustomers(inputs: $inputs) {
      ...CustomerFields
    }
  }
`);

export const UpsertCustomer = graphql(`
  mutation UpsertCustomer($input: CreateCustomerInput!) {
    upsertCustomer(input: $input) {
      ...CustomerFields
    }
  }
`);

export const UpdateCustomer = graphql(`
  mutation UpdateCustomer($customerId: Int!, $patch: CustomerPatch!) {
    updateCustomer(customerId: $customerId, patch: $patch) {
      ...CustomerFields
    }
  }
`);

/** An explicit `null` written in the document itself, not passed as a variable. */
export const ClearMiddleNameLiteral = graphql(`
  mutation ClearMiddleNameLiteral($customerId: Int!) {
    updateCustomer(customerId: $customerId, patch: { middleName: null }) {
      customerId
      middleName
      suffix
    }
  }
`);

export const DeleteCustomer = graphql(`
  mutation DeleteCustomer($customerId: Int!) {
    deleteCustomer(customerId: $customerId) {
      ...CustomerFields
    }
  }
`);

// ---------------------------------------------------------------- todo mutations

export const CreateTodo = graphql(`
  mutation CreateTodo($input: CreateTodoInput!) {
    createTodo(input: $input) {
      ...TodoFields
      customer {
        customerId
        email
      }
    }
  }
`);

/** An enum literal in the document, with the input's default status left out. */
export const CreateInProcessTodo = graphql(`
  mutation CreateInProcessTodo($task: String!, $customerId: Int) {
    inProcess: createTodo(input: { task: $task, status: IN_PROCESS, customerId: $customerId }) {
      todoId
      status
    }
    pending: createTodo(input: { task: $task, customerId: $customerId }) {
      todoId
      status
    }
  }
`);

export const CreateTodos = graphql(`
  mutation CreateTodos($inputs: [CreateTodoInput!]!) {
    createTodos(inputs: $inputs) {
      ...TodoFields
    }
  }
`);

export const UpdateTodo = graphql(`
  mutation UpdateTodo($todoId: Int!, $patch: TodoPatch!) {
    updateTodo(todoId: $todoId, patch: $patch) {
      ...TodoFields
      customer {
        customerId
      }
    }
  }
`);

export const DeleteTodo = graphql(`
  mutation DeleteTodo($todoId: Int!) {
    deleteTodo(todoId: $todoId) {
      ...TodoFields
    }
  }
`);

// ---------------------------------------------------------------- subscriptions

export const OnCustomerChanged = graphql(`
  subscription OnCustomerChanged {
    customerChanged {
      kind
      customerId
      customer {
        customerId
        firstName
        middleName
        email
      }
    }
  }
`);

export const OnTodoChanged = graphql(`
  subscription OnTodoChanged($customerId: Int) {
    todoChanged(customerId: $customerId) {
      kind
      todoId
      todo {
        todoId
        task
        status
        customerId
      }
    }
  }
`);

// ---------------------------------------------------------------- access control

/** What a principal may see of both tables, with exact counts. */
export const VisibleRows = graphql(`
  query VisibleRows {
    customers(first: 100) {
      totalCount
      nodes {
        customerId
      }
    }
    todos(first: 100) {
      totalCount
      nodes {
        todoId
        customerId
        customer {
          customerId
        }
      }
    }
  }
`);
