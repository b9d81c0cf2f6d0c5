// ESLint (flat config): JavaScript's and typescript-eslint's recommended rules over every source file.
// Formatting is Prettier's (`npx prettier --check .`); unused files, exports and dependencies are knip's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.turbo/**',
      '**/.mailroom/**',
      'bench/results/**',
      'bench/.scratch/**',
      'test-results/**',
      'coverage/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `{}` is the "no params" / "no context extension" type of the routing and handler generics (what
      // PatternParams infers for a pattern without `{…}`), not a stand-in for "any object".
      '@typescript-eslint/no-empty-object-type': 'off',
      // Mail is full of control characters; the patterns that strip or refuse them are deliberate.
      'no-control-regex': 'off',
      // `_`-prefixed names are deliberately unused (a signature's position, a destructured rest).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests and benches build hostile input on purpose (control characters, NULs), read loosely typed JSON
    // bodies back, and stub with empty functions.
    files: ['**/*.test.ts', '**/*.test.tsx', 'test/**', '**/testing/**', 'bench/**', '**/bench/**'],
    rules: {
      'no-control-regex': 'off',
      '@typescript-eslint/no-empty-function': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
