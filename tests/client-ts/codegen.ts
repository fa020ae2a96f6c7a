// GraphQL Code Generator: typed documents (client preset) from the committed SDL and the
// operations written with `graphql(...)` in src/. Output goes to src/gql/ (not committed).
// A document that does not validate against the schema fails the run.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../../api/schema.graphql',
  documents: ['src/**/*.ts', '!src/gql/**'],
  ignoreNoDocuments: false,
  emitLegacyCommonJSImports: false,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        strictScalars: true,
        scalars: { DateTime: 'string' },
        useTypeImports: true,
        enumsAsTypes: true,
      },
    },
  },
};

export default config;
