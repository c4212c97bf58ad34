// Type-aware lint: no-floating-promises matters in an engine full of background work;
// import-x/no-cycle keeps the import direction of docs/ARCHITECTURE.md honest.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

export default tseslint.config(
  { ignores: ['node_modules/**', 'examples/**', 'bin/**', 'schema/**', 'eslint.config.js', '.sluice/**', 'sluice-hello/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      'import-x/no-cycle': 'error',
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only src/config/environment.ts reads process.env.' }],
    },
  },
  {
    files: ['src/config/environment.ts', 'test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
