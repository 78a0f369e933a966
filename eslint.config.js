import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules', '.tmp', 'dist', 'data', 'drizzle', 'bench/results.json', 'coverage'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error'
    }
  },
  {
    files: ['src/cli/**', 'bench/**', 'scripts/**', 'src/fake-marketplace/main.ts'],
    rules: { 'no-console': 'off' }
  }
)
